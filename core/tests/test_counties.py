"""A database of two counties (a city's server, or the demo beside a real county): a county admin
sees their own county only, on every path, and `fangpin` commands act for the whole server."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fangpin.testing import make_household, make_user
from imports.tests.builders import family, num, write_xlsx
from imports.tests.test_import import run_cli
from projects.models import Project
from regions.models import Region
from regions.services import create_region
from registry.models import Household
from stats.services import compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_county(regions: dict[str, Any]) -> dict[str, Any]:
    county = create_region(actor=None, name="阳新县", level=Region.Level.COUNTY)
    town = create_region(actor=None, name="富池镇", level=2, parent=county)
    village = create_region(actor=None, name="富池村", level=3, parent=town)
    household = make_household(village, number="420222100101000001")
    return {"county": county, "village": village, "household": household}


def test_a_county_admin_sees_nothing_of_a_second_county(
    users: dict[str, Any], household: Any, second_county: dict[str, Any], client_for: Any
) -> None:
    admin = users["county_admin"]
    theirs = second_county["household"]
    assert list(Household.objects.visible_to(admin)) == [household]
    client = client_for("county_admin")
    assert client.get(reverse("registry:household_detail", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("registry:household_list")).content.decode()
    assert household.number in page and theirs.number not in page
    assert client.get(f"/api/v1/households/{theirs.pk}").status_code == 404
    # Their own admin sees theirs only.
    other_admin = make_user("yx", "county_admin", second_county["county"])
    assert list(Household.objects.visible_to(other_admin)) == [theirs]


def test_a_countys_statistics_and_ledgers_leave_out_the_other_county(
    regions: dict[str, Any], household: Any, second_county: dict[str, Any]
) -> None:
    ours = compute(regions["county"])
    theirs = compute(second_county["county"])
    assert ours["households"]["households"] == 1 == theirs["households"]["households"]
    Project.objects.create(project_no="YX-1", region=second_county["village"])
    assert not Project.objects.below(regions["county"]).exists()
    assert Project.objects.below(second_county["county"]).count() == 1


def test_a_command_imports_a_county_beside_the_one_its_admin_keeps(
    users: dict[str, Any], tmp_path: Any
) -> None:
    rows = family(num("Y1"), 10, **{"县(市、区)": "阳新县", "乡镇": "富池镇", "行政村": "富池村"})
    code, result, _ = run_cli(str(write_xlsx(tmp_path / "yx.xlsx", rows)), "--create-regions")
    assert code == 0, result["errors"]
    assert result["households_created"] == 1 and "阳新县" in result["regions_to_create"]
    made = Household.objects.get(number=num("Y1"))
    assert made.region.path.startswith(Region.objects.get(name="阳新县").path)
    # The web keeps a county admin to their own county.
    assert not Household.objects.visible_to(users["county_admin"]).filter(pk=made.pk).exists()


def _deaths(tmp_path: Any, *people: Any) -> Any:
    """A 公安 file reporting each person dead (rule W_DEATH or its like fires per person)."""
    from exchange.tests.conftest import write_file

    rows = [
        {"证件号码": p.id_number, "姓名": p.name, "变动类型": "死亡", "变动日期": "2026-05-01"}
        for p in people
    ]
    return write_file(tmp_path, "civil_registry", rows)


def test_a_county_admins_file_matches_and_closes_only_their_own_county(
    users: dict[str, Any], household: Any, second_county: dict[str, Any], tmp_path: Any
) -> None:
    from core import hooks
    from exchange import services as exchange_services
    from exchange.models import Batch, Item
    from exchange.tests.conftest import AS_OF, member

    ours = member(household, name="本县人")
    theirs = member(second_county["household"], name="邻县人")
    # A command compares for the server: both counties' people, a batch both admins see.
    run = exchange_services.compare(
        actor=None, source="civil_registry", path=_deaths(tmp_path, ours, theirs), as_of=AS_OF
    )
    assert (run.matched, run.region) == (2, None)
    yx = make_user("yx", "county_admin", second_county["county"])
    for admin in (users["county_admin"], yx):
        assert Batch.objects.visible_to(admin).filter(pk=run.pk).exists()
    # Its rows are in each county's case files and reports.
    for county in (household.region, second_county["county"]):
        loaded = hooks.call("exchange.loaded_sources", region=county)
        assert {s["source"]: s["batches"] for s in loaded}["civil_registry"] == 1
    open_theirs = Item.objects.open().filter(person=theirs)
    assert open_theirs.count() == 2
    # County 1's admin sends a file naming county 2's person: not theirs to match, and their
    # file (which no longer names their own) closes nothing in county 2.
    batch = exchange_services.compare(
        actor=users["county_admin"],
        source="civil_registry",
        path=_deaths(tmp_path, theirs),
        as_of=AS_OF,
    )
    assert (batch.matched, batch.unmatched) == (0, 1)
    assert open_theirs.count() == 2
    # Nor its own: a file says nothing of the people it leaves out (a 户籍变动 file lists the
    # month's changes; last month's deaths are still to be verified).
    assert Item.objects.open().filter(person=ours).count() == 2


def test_fangpin_check_finds_in_every_county_and_a_countys_run_keeps_to_it(
    regions: dict[str, Any], second_county: dict[str, Any]
) -> None:
    from exchange import services as exchange_services
    from exchange.models import Item

    Project.objects.create(project_no="DY-1", region=regions["village"], performance_goal="增收")
    Project.objects.create(project_no="YX-1", region=second_county["village"], performance_goal="")
    weak = Item.objects.open().filter(rule__code="P07")
    exchange_services.run_checks(actor=None)  # `fangpin check`: every county
    assert weak.filter(region__path__startswith=second_county["county"].path).count() == 1
    assert weak.count() == 2
    Project.objects.filter(project_no="DY-1").update(performance_goal="增收10%")
    exchange_services.run_checks(actor=None, region=regions["county"])
    assert [i.region_id for i in weak] == [second_county["village"].pk]


def test_a_commands_checks_judge_each_county_by_its_own_figures(
    regions: dict[str, Any], second_county: dict[str, Any]
) -> None:
    from decimal import Decimal

    from benefits.checks import yulu_not_eligible
    from benefits.models import YuluRow
    from core.dates import today
    from projects.checks import industry_share

    village = second_county["village"]
    year = today().year
    for no, category, funds in (("YX-1", "产业发展", 10), ("YX-2", "基础设施", 90)):
        Project.objects.create(
            project_no=no, region=village, year=year, category=category, fund_central=funds
        )
    # P10 (`fangpin check`): 阳新县's share is 10%, though 大冶市 has no projects.
    found = industry_share(None, {"floor_percent": 55})
    assert [(f["region_id"], f["evidence"]["占比"]) for f in found] == [
        (second_county["county"].pk, "10.0")
    ]
    assert industry_share(regions["county"], {"floor_percent": 55}) == []
    # B01: a 阳新县 脱贫户's 雨露计划 is judged by 阳新县's register, not 大冶市's.
    poor = make_household(
        village, number="420222100101000002", is_alleviated=True, alleviated_year=2019
    )
    head = poor.persons.get(relation="户主")
    YuluRow.objects.create(
        person=head,
        household=poor,
        region=village,
        year=year - 1,
        term="秋季",
        level="中职",
        amount=Decimal(1500),
    )
    assert yulu_not_eligible(None, {"years": 3}) == []


def test_a_commands_duty_checks_look_at_every_countys_towns_and_grids(
    regions: dict[str, Any], second_county: dict[str, Any], monkeypatch: Any
) -> None:
    import datetime as dt

    from duty import checks as duty_checks
    from duty.models import GridUnit, Inspection

    monkeypatch.setattr(duty_checks, "today", lambda: dt.date(2026, 3, 15))
    village = second_county["village"]
    GridUnit.objects.create(region=village, name="一网格")
    found = duty_checks.uncovered_households(None, {"min_rate": 100})
    assert [f["message"] for f in found] == ["富池村有1户未分配网格员（覆盖率0.0%）"]
    Inspection.objects.create(
        region=village.parent, date=dt.date(2026, 1, 10), kind="学习", organizer="富池镇"
    )
    found = duty_checks.monthly_check(None, {"level": "town"})
    assert [f["message"] for f in found] == [
        "富池镇2026-01缺少：例会、督查",
        "富池镇2026-02缺少：学习、例会、督查",
    ]


def test_a_command_imports_a_second_countys_low_income_list_and_keeps_the_firsts(
    users: dict[str, Any], household: Any, second_county: dict[str, Any], tmp_path: Any
) -> None:
    import datetime as dt

    from fangpin.testing import id_number
    from lowincome.models import LowIncomePerson
    from lowincome.tests.test_lowincome import _import

    ours = household.persons.order_by("pk").first()
    theirs = second_county["household"].persons.order_by("pk").first()
    kind = {"低收入人口类别": "特困人员"}
    _import(
        tmp_path, [{"证件号码": ours.id_number, "姓名": ours.name, **kind}], users["county_admin"]
    )
    newcomer = {"证件号码": id_number(dt.date(1970, 1, 2)), "姓名": "外来人", **kind}
    rows = [
        {"证件号码": theirs.id_number, "姓名": theirs.name, **kind},
        {**newcomer, "乡镇（街道）": "富池镇", "村（社区）": "富池村"},
    ]
    server = users["county_admin"]
    server.acts_for_server = True  # as `fangpin lowincome import` (accounts.cli)
    result = _import(tmp_path, rows, server)
    assert result["status"] == "imported", result["errors"]
    assert result["persons"] == 2 and result["removed"] == 0
    listed = dict(LowIncomePerson.objects.values_list("id_number", "region_id"))
    assert listed == {
        ours.id_number: household.region_id,
        theirs.id_number: second_county["village"].pk,
        newcomer["证件号码"]: second_county["village"].pk,
    }
    del server.acts_for_server  # the web keeps a county admin's file to their county
    refused = _import(tmp_path, rows, users["county_admin"])
    assert refused["status"] == "rejected"
    assert "须填写您管辖范围内的乡镇和行政村" in str(refused["errors"])
    # A 乡镇 and 行政村 both counties have names no county's list.
    town = create_region(actor=None, name="金山店镇", level=2, parent=second_county["county"])
    create_region(actor=None, name="朝阳村", level=3, parent=town)
    server.acts_for_server = True
    twin = [{**newcomer, "乡镇（街道）": "金山店镇", "村（社区）": "朝阳村"}]
    refused = _import(tmp_path, twin, server)
    assert refused["errors"][0]["message"] == "多个县都有该乡镇和行政村，无法确定"


def test_a_county_admin_neither_sees_nor_changes_the_other_countys_threshold(
    regions: dict[str, Any], second_county: dict[str, Any], client: Any
) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.core.exceptions import PermissionDenied

    from monitoring import services as monitoring_services
    from monitoring.models import PolicyThreshold

    theirs = PolicyThreshold.objects.create(
        province="42",
        region=regions["county"],
        year=2026,
        amount=Decimal("9876"),
        effective_date=dt.date(2026, 3, 1),
    )
    yx = make_user("yx", "county_admin", second_county["county"])
    client.force_login(yx)
    page = client.get(reverse("monitoring:settings")).content.decode()
    assert "9,876" not in page and "9876" not in page
    edit = reverse("monitoring:threshold_edit", args=[theirs.pk])
    assert client.get(edit).status_code == 404
    posted = {"province": "42", "year": 2026, "amount": "1", "effective_date": "2026-03-01"}
    assert client.post(edit, posted).status_code == 404
    theirs.amount = Decimal(1)
    with pytest.raises(PermissionDenied, match="不能修改其他县的监测范围"):
        monitoring_services.save_threshold(actor=yx, threshold=theirs)
    theirs.refresh_from_db()
    assert theirs.amount == Decimal("9876.00")


def test_an_id_numbers_area_code_is_at_home_in_either_county(
    regions: dict[str, Any], tmp_path: Any
) -> None:
    from imports.tests.builders import person, pid

    where = {"县(市、区)": "阳新县", "乡镇": "富池镇", "行政村": "富池村"}
    rows = [
        person(num("Y1"), "阳甲", pid(1, area="420222"), **where),
        person(num("Y2"), "京乙", pid(2, area="110105"), **where),
    ]
    path = str(write_xlsx(tmp_path / "yx.xlsx", rows))

    def warned() -> list[str]:
        code, result, _ = run_cli(path, "--create-regions", "--dry-run")
        assert code == 0, result["errors"]
        return [w["message"] for w in result["warnings"] if w["column"] == "证件号码"]

    alone = warned()  # 大冶市 alone: both numbers are from elsewhere
    assert alone[0] == "证件号码的地区码（前6位）不是本县代码420281（可能是外地或旧代码，请核实）"
    assert len(alone) == 2
    county = create_region(actor=None, name="阳新县", level=Region.Level.COUNTY)
    assert warned() == []  # 阳新县's code unknown: any number may be its own
    county.code = "420222000000"
    county.save()
    assert warned() == [
        "证件号码的地区码（前6位）不是本县代码420281、420222（可能是外地或旧代码，请核实）"
    ]
