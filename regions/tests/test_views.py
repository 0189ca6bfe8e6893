"""The region tree screen: browse, create, rename, move (paths follow), retire; admins only."""

import pytest
from django.urls import reverse

from core.models import AuditRecord
from fangpin.testing import make_household
from regions.models import Region
from registry.models import Household

TREE = reverse("regions:tree")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_the_tree_lists_every_region_indented(client_for, regions):
    response = client_for("county_admin").get(TREE)
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("大冶市", "金山店镇", "朝阳村", "一组", "还地桥镇", "白羊村"):
        assert name in body
    selected = client_for("county_admin").get(TREE, {"id": regions["village"].pk})
    assert "大冶市/金山店镇/朝阳村" in selected.content.decode()


def test_a_county_admin_creates_a_child_region(client_for, regions, users):
    town = regions["town"]
    response = client_for("county_admin").post(
        reverse("regions:create_child", args=[town.pk]),
        {"child-name": " 新华村 ", "child-code": "420281100299"},
    )
    child = Region.objects.get(name="新华村")
    assert response.status_code == 302 and response["Location"].endswith(f"?id={child.pk}")
    assert child.parent == town and child.level == Region.Level.VILLAGE
    assert child.path == f"{town.path}{child.pk}/"
    assert AuditRecord.objects.filter(
        object_type="regions.region", object_id=str(child.pk), actor=users["county_admin"]
    ).exists()


def test_a_bad_code_or_a_duplicate_name_is_refused_in_chinese(client_for, regions):
    client = client_for("county_admin")
    before = Region.objects.count()
    url = reverse("regions:create_child", args=[regions["town"].pk])
    response = client.post(url, {"child-name": "新华村", "child-code": "12345"}, follow=True)
    assert "区划代码：区划代码应为12位数字" in response.content.decode()
    response = client.post(url, {"child-name": "朝阳村", "child-code": ""}, follow=True)
    assert "下已有名为“朝阳村”的区划" in response.content.decode()
    assert Region.objects.count() == before


def test_a_village_group_has_no_children(client_for, regions):
    before = Region.objects.count()
    response = client_for("county_admin").post(
        reverse("regions:create_child", args=[regions["group"].pk]),
        {"child-name": "再下级", "child-code": ""},
        follow=True,
    )
    assert "村民小组下不能再建下级" in response.content.decode()
    assert Region.objects.count() == before


def test_a_county_admin_renames_a_region(client_for, regions):
    village = regions["village"]
    response = client_for("county_admin").post(
        reverse("regions:update", args=[village.pk]), {"name": "朝阳社区", "code": "420281100201"}
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.name == "朝阳社区" and village.code == "420281100201"


def test_moving_a_village_moves_its_subtree_and_its_households(client_for, regions, users):
    village, group = regions["village"], regions["group"]
    household = make_household(group)
    response = client_for("county_admin").post(
        reverse("regions:move", args=[village.pk]), {"parent": regions["other_town"].pk}
    )
    assert response.status_code == 302
    village.refresh_from_db()
    group.refresh_from_db()
    assert village.parent == regions["other_town"]
    assert village.path == f"{regions['other_town'].path}{village.pk}/"
    assert group.path == f"{village.path}{group.pk}/"
    assert Household.objects.visible_to(users["other_town"]).filter(pk=household.pk).exists()
    assert not Household.objects.visible_to(users["town_staff"]).filter(pk=household.pk).exists()


def test_a_region_cannot_move_under_a_parent_of_the_wrong_level(client_for, regions):
    village = regions["village"]
    old_path = village.path
    response = client_for("county_admin").post(
        reverse("regions:move", args=[village.pk]), {"parent": regions["village2"].pk}
    )
    assert "请选择新的上级" in _messages(response)
    village.refresh_from_db()
    assert village.path == old_path


def test_retiring_a_region_retires_its_subtree_and_can_be_undone(client_for, regions):
    client = client_for("county_admin")
    url = reverse("regions:retire", args=[regions["village"].pk])
    client.post(url)
    assert set(Region.objects.filter(retired=True).values_list("name", flat=True)) == {
        "朝阳村",
        "一组",
    }
    client.post(url)
    assert not Region.objects.filter(retired=True).exists()


@pytest.mark.parametrize(
    "role", ["auditor", "town_staff", "village_staff", "grid_member", "other_town"]
)
def test_only_county_admins_manage_regions_others_get_404(client_for, regions, role):
    client = client_for(role)
    village = regions["village"]
    assert client.get(TREE).status_code == 404
    posts = {
        "regions:create_child": {"child-name": "偷建村"},
        "regions:update": {"name": "改名"},
        "regions:move": {"parent": regions["other_town"].pk},
        "regions:retire": {},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[village.pk]), data).status_code == 404, name
    village.refresh_from_db()
    assert village.name == "朝阳村" and not village.retired
    assert village.parent == regions["town"]
    assert not Region.objects.filter(name="偷建村").exists()


def test_a_malformed_or_foreign_region_id_answers_404(client_for, regions, users):
    client = client_for("county_admin")
    assert client.get(TREE, {"id": "abc"}).status_code == 404
    assert client.get(TREE, {"id": "999999"}).status_code == 404


def test_a_county_admin_marks_a_village_as_脱贫村_and_a_community(client_for, regions):
    village, town = regions["village"], regions["town"]
    client = client_for("county_admin")
    response = client.post(
        reverse("regions:update", args=[village.pk]),
        {"name": "朝阳村", "code": "420281100201", "is_alleviated_village": "on"},
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.is_alleviated_village, village.is_community) == (True, False)
    page = client.get(reverse("regions:tree"), {"id": village.pk}).content.decode()
    assert 'name="is_alleviated_village"' in page and "checked" in page
    refused = client.post(
        reverse("regions:update", args=[town.pk]),
        {"name": town.name, "code": town.code, "is_community": "on"},
        follow=True,
    )
    assert "只有村级区划可以标注社区、脱贫村或重点帮扶村" in refused.content.decode()
    town.refresh_from_db()
    assert not town.is_community
