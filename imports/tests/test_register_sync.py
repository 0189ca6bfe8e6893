"""Re-importing an exported register (formats.md §1): un-marking with the old mark's columns
still filled, the 户主 of a household as the import leaves it, and the county a first load cannot
guess."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fangpin.testing import run_command
from imports.tests.builders import HEADERS, family, num, person, pid, write_csv
from registry.layouts import REGISTER
from registry.models import Household, HouseholdEvent, Person

pytestmark = pytest.mark.django_db

MONITORED = {
    "监测对象类别": "边缘易致贫户",
    "识别监测时间": "2023-05",
    "风险类型": "因病、因残",
    "风险是否消除": "是",
    "风险消除时间": "2024-03-01",
    "风险消除方式": "帮扶消除",
}
STATUS = (
    "category",
    "is_alleviated",
    "alleviated_year",
    "risks",
    "identified_date",
    "risk_eliminated",
    "eliminated_date",
    "elimination_method",
)


def _import(path: Path, *args: str) -> tuple[int, dict]:
    code, result, _ = run_command("import_registry", str(path), *args)
    return code, result


def _status(number: str) -> tuple:
    return Household.objects.filter(number=number).values_list(*STATUS).get()


def _history(number: str) -> list[tuple[str, dt.date, str]]:
    events = HouseholdEvent.objects.filter(household__number=number).order_by("pk")
    return list(events.values_list("kind", "date", "reason"))


def test_blanking_the_category_of_an_exported_register_unmarks_as_without_the_columns(
    regions: dict, tmp_path: Path
) -> None:
    """The auditor's round trip: export, blank one monitored household's 监测对象类别, re-import.
    The household is un-marked exactly as a file without the monitoring columns un-marks it, and
    the user is told which of its cells were set aside."""
    rows = family(num("U1"), 10, **MONITORED) + family(num("U2"), 20, **MONITORED)
    assert _import(write_csv(tmp_path / "a.csv", rows))[0] == 0
    kept = family(num("U1"), 10, **{**MONITORED, "监测对象类别": ""})

    code, result = _import(write_csv(tmp_path / "kept.csv", kept))

    assert code == 0, result["errors"]
    assert result["households_updated"] == 1
    [warning] = [w for w in result["warnings"] if "不再适用" in w["message"]]
    assert (warning["row"], warning["column"]) == (2, "监测对象类别")
    assert warning["message"] == (
        f"户编号{num('U1')}已清除监测对象类别，该户的“识别监测时间”“风险类型”“风险是否消除”"
        "“风险消除时间”“风险消除方式”不再适用，已忽略"
    )
    # The same household un-marked by a file without those columns ends in the same state.
    bare = [h for h in HEADERS if h not in MONITORED or h == "监测对象类别"]
    absent = family(num("U2"), 20, **{"监测对象类别": ""})
    assert _import(write_csv(tmp_path / "absent.csv", absent, bare))[0] == 0
    assert _status(num("U1")) == _status(num("U2")) == ("", False, None, "", None, False, None, "")
    today = timezone.localdate()
    for number in (num("U1"), num("U2")):
        assert _history(number)[-1] == ("exited", today, "国家系统导入")


def test_setting_an_alleviated_household_to_no_with_its_year_left_unmarks_it(
    regions: dict, tmp_path: Path
) -> None:
    """是否脱贫户=否 is an un-marking too (formats.md §1): the 脱贫年度 left beside it recorded the
    status that ends, like the monitoring columns of a cleared 监测对象类别."""
    alleviated = {"是否脱贫户": "是", "脱贫年度": "2016"}
    assert _import(write_csv(tmp_path / "a.csv", family(num("V1"), 10, **alleviated)))[0] == 0
    cleared = family(num("V1"), 10, **{**alleviated, "是否脱贫户": "否", "退出原因": "清退"})

    code, result = _import(write_csv(tmp_path / "b.csv", cleared, [*HEADERS, "退出原因"]))

    assert code == 0, result["errors"]
    messages = [w["message"] for w in result["warnings"] if w["column"] == "是否脱贫户"]
    assert messages == [f"户编号{num('V1')}已将是否脱贫户改为否，该户的“脱贫年度”不再适用，已忽略"]
    assert _status(num("V1"))[1:3] == (False, None)
    assert _history(num("V1"))[-1] == ("unalleviated", timezone.localdate(), "清退")


def test_the_un_marking_file_imported_again_changes_nothing(regions: dict, tmp_path: Path) -> None:
    """Re-import idempotence: the file that un-marked a household, with the ended marks' cells
    still filled, imported a second time is accepted with nothing changed (the household was
    un-marked, so those cells are its record, not a non-monitored household's mistake)."""
    marked = {**MONITORED, "是否脱贫户": "是", "脱贫年度": "2016", "监测对象类别": "脱贫不稳定户"}
    assert _import(write_csv(tmp_path / "a.csv", family(num("R1"), 10, **marked)))[0] == 0
    cleared = {**marked, "监测对象类别": "", "是否脱贫户": "否"}
    path = write_csv(tmp_path / "b.csv", family(num("R1"), 10, **cleared))
    assert _import(path)[1]["households_updated"] == 1
    events = _history(num("R1"))

    code, result = _import(path)

    assert code == 0, result["errors"]
    assert (result["households_updated"], result["persons_updated"]) == (0, 0)
    assert result["households_unchanged"] == 1
    assert {w["column"] for w in result["warnings"] if "不再适用" in w["message"]} == {
        "监测对象类别",
        "是否脱贫户",
    }
    assert _status(num("R1")) == ("", False, None, "", None, False, None, "")
    assert _history(num("R1")) == events


@pytest.mark.parametrize(
    ("stored", "error"),
    [
        (None, "不是监测对象却填写了识别监测时间"),  # a new household
        ({"监测对象类别": ""}, "不是监测对象却填写了识别监测时间"),  # never monitored
        ({"是否脱贫户": "否"}, "只有脱贫户才能填写脱贫年度"),  # never alleviated
    ],
)
def test_marks_columns_filled_for_a_household_that_had_no_such_mark_are_still_refused(
    regions: dict, tmp_path: Path, stored: dict | None, error: str
) -> None:
    """Nothing ends there, so the cells are ambiguous: refused as before."""
    if stored is not None:
        assert _import(write_csv(tmp_path / "a.csv", family(num("W1"), 10, **stored)))[0] == 0
    cells = {"监测对象类别": "", "识别监测时间": "2023-05", "是否脱贫户": "否", "脱贫年度": "2016"}
    before = list(Household.objects.values_list(*STATUS))

    code, result = _import(write_csv(tmp_path / "b.csv", family(num("W1"), 10, **cells)))

    assert code == 1
    assert error in [e["message"] for e in result["errors"]]
    assert list(Household.objects.values_list(*STATUS)) == before


def test_a_new_head_row_beside_the_stored_head_left_out_is_an_error_naming_both(
    regions: dict, tmp_path: Path
) -> None:
    assert _import(write_csv(tmp_path / "a.csv", [person(num("H1"), "孙三", pid(10))]))[0] == 0
    new_head = person(num("H1"), "新户主", pid(11, "19850101"))

    code, result = _import(write_csv(tmp_path / "b.csv", [new_head]))

    assert code == 1
    [error] = result["errors"]
    assert (error["row"], error["column"]) == (2, "与户主关系")
    assert error["message"] == (
        f"户编号{num('H1')}：该户有2个户主，只能有一个（户主在第2行；系统中的户主孙三"
        f"（{pid(10)[:4]}**********{pid(10)[-4:]}）不在文件中，仍是该户成员）；如已更换户主，"
        "请在文件中列出原户主并修改其与户主关系，或先在系统中为原户主办理成员减少或迁出"
    )
    assert not Person.objects.filter(id_number=pid(11, "19850101")).exists()
    # Listing the old head with another relation is the way through.
    old_head = person(num("H1"), "孙三", pid(10), "之父")
    code, result = _import(write_csv(tmp_path / "c.csv", [new_head, old_head]))
    assert code == 0, result["errors"]
    household = Household.objects.get(number=num("H1"))
    assert (household.head_name, household.member_count) == ("新户主", 2)


def test_a_file_of_new_members_only_keeps_the_stored_head(regions: dict, tmp_path: Path) -> None:
    """The stored 户主 is not in the file, so stays: the household has one, and keeps the head
    name and phone that are theirs. A new household still needs its 户主 in the file."""
    head = person(num("H2"), "孙三", pid(10), 联系电话="13800001111")
    assert _import(write_csv(tmp_path / "a.csv", [head]))[0] == 0
    granddaughter = person(num("H2"), "孙女", pid(12, "20150101", male=False), "之孙女")
    orphan = person(num("H3"), "某乙", pid(13), "之子")

    code, result = _import(write_csv(tmp_path / "b.csv", [granddaughter, orphan]))

    assert code == 1
    assert [(e["row"], e["message"]) for e in result["errors"]] == [
        (3, f"户编号{num('H3')}：该户没有户主")
    ]
    code, result = _import(write_csv(tmp_path / "c.csv", [granddaughter]))
    assert code == 0, result["errors"]
    household = Household.objects.get(number=num("H2"))
    assert (household.head_name, household.phone, household.member_count) == (
        "孙三",
        "13800001111",
        2,
    )
    members = Person.objects.filter(household=household, is_member=True)
    assert sorted(members.values_list("relation", flat=True)) == ["之孙女", "户主"]


def test_a_first_load_without_a_county_column_says_the_system_has_no_county(
    db: Any, tmp_path: Path
) -> None:
    """Only the required columns into an empty database: the county's name cannot be guessed."""
    headers = [c.header for c in REGISTER.columns if c.required]
    path = write_csv(tmp_path / "t.csv", [person(num("C1"), "某甲", pid(10))], headers)

    code, result = _import(path, "--create-regions")

    assert code == 1
    assert [(e["row"], e["column"], e["message"]) for e in result["errors"]] == [
        (2, "县(市、区)", "系统中还没有县(市、区)，请在文件中填写“县(市、区)”列，以便建立区划")
    ]
    assert not Household.objects.exists()


def test_a_masked_head_row_that_matches_nobody_is_not_counted_twice(
    regions: dict, tmp_path: Path
) -> None:
    """A clerk's export whose masked 户主 row matches no member (a misspelt name): that one error,
    not also “2个户主” from the stored 户主 the row was meant to be."""
    assert _import(write_csv(tmp_path / "a.csv", family(num("H5"), 10)))[0] == 0
    head, spouse = family(num("H5"), 10)
    masked = {**head, "姓名": "户主十", "证件号码": f"{pid(10)[:4]}**********{pid(10)[-4:]}"}

    code, result = _import(write_csv(tmp_path / "b.csv", [masked, spouse]))

    assert code == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "证件号码")]
    assert "找不到姓名和号码都相符的成员" in result["errors"][0]["message"]
