"""Region services: clear messages for duplicate names and codes."""

import pytest
from django.core.exceptions import ValidationError

from regions.services import create_region, update_region


def test_a_duplicate_name_under_the_same_parent_names_the_parent(regions):
    with pytest.raises(ValidationError) as exc:
        create_region(actor=None, name="朝阳村", level=3, parent=regions["town"])
    assert "金山店镇下已有名为“朝阳村”的区划" in exc.value.messages


def test_a_code_already_used_names_the_region_using_it(regions):
    with pytest.raises(ValidationError) as exc:
        update_region(actor=None, region=regions["village2"], name="仕秦村", code="420281100201")
    assert "区划代码420281100201已被“大冶市/金山店镇/朝阳村”使用" in exc.value.messages


def test_a_whole_tree_is_created_in_bulk_with_one_audit_record(db):
    from core.models import AuditRecord
    from regions.models import Region
    from regions.services import create_tree

    paths = [
        ("大冶市",),
        ("大冶市", "甲镇"),
        ("大冶市", "甲镇", "一村"),
        ("大冶市", "甲镇", "一村", "一组"),
        ("大冶市", "乙镇"),
        ("大冶市", "乙镇", "一村"),
    ]
    ids = create_tree(actor=None, paths=paths, known={})
    assert len(ids) == 6 and Region.objects.count() == 6
    group = Region.objects.get(pk=ids[paths[3]])
    assert group.full_name() == "大冶市/甲镇/一村/一组" and group.level == 4
    assert group.path == "/" + "/".join(str(ids[p]) for p in paths[:4]) + "/"
    record = AuditRecord.objects.get(object_type="regions.region")
    assert record.after is not None and record.after["regions"][0] == "大冶市"
    assert len(record.after["regions"]) == 6


def test_a_tree_grown_under_a_known_region_takes_its_path_and_the_next_ids(regions):
    from regions.models import Region
    from regions.services import create_tree

    town = regions["town"]
    known = {("大冶市",): town.parent_id, ("大冶市", town.name): town.pk}
    last = Region.objects.order_by("-pk").first()
    assert last is not None
    paths = [("大冶市", town.name, "新村"), ("大冶市", town.name, "新村", "一组")]
    ids = create_tree(actor=None, paths=paths, known=known)
    village = Region.objects.get(pk=ids[paths[0]])
    group = Region.objects.get(pk=ids[paths[1]])
    assert village.pk > last.pk and group.pk > village.pk
    assert village.parent_id == town.pk and village.level == 3
    assert village.path == f"{town.path}{village.pk}/"
    assert group.path == f"{village.path}{group.pk}/" and group.level == 4


def test_an_ambiguous_name_names_five_places_and_says_how_many_there_are(regions):
    from regions.services import resolve

    create_region(actor=None, name="一组", level=4, parent=regions["village2"])
    with pytest.raises(ValidationError) as exc:
        resolve("一组")
    assert exc.value.messages == [
        "区划“一组”不唯一（大冶市/金山店镇/朝阳村/一组, 大冶市/金山店镇/仕秦村/一组），"
        "请写出上级名称"
    ]
    for name in ("二村", "三村", "四村", "五村"):
        village = create_region(actor=None, name=name, level=3, parent=regions["town"])
        create_region(actor=None, name="一组", level=4, parent=village)
    with pytest.raises(ValidationError) as exc:
        resolve("一组")
    [message] = exc.value.messages
    assert message.endswith("等6处），请写出上级名称") and message.count("/一组") == 5
