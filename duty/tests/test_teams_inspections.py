"""驻村工作队 and 督查与例会记录 through the kit (good file, faults, round trip, scope), the
rotation that keeps the history, and the checks Z01–Z03."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.urls import reverse

from core import pipeline
from core.dates import today
from duty import checks
from duty.models import Inspection, WorkTeamMember
from duty.tests.helpers import INSP, TEAMS, inspection, load, member
from fangpin.testing import run_command, write_sheet


def test_a_good_team_file_imports_and_again_changes_nothing(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        member("李四", 队内职务="第一书记"),
        member("王五", 驻村结束日期="2025-08-31"),
        member("王五", 驻村开始日期="2025-09-01", 行政村="仕秦村"),
    ]
    path = write_sheet(tmp_path / "t.xlsx", TEAMS, rows, title="金山店镇驻村工作队花名册")
    code, result, _ = run_command("ledger", "import", "work_teams", str(path))
    assert (code, result["created"]) == (0, 3)
    li = WorkTeamMember.objects.get(name="李四")
    assert (li.region.name, li.post, li.start, li.phone) == (
        "朝阳村",
        "第一书记",
        dt.date(2025, 6, 1),
        "13812345678",
    )
    code, again, _ = run_command("ledger", "import", "work_teams", str(path))
    assert (again["unchanged"], again["created"], again["updated"]) == (3, 0, 0)


def test_a_member_with_行政村_blank_is_the_towns_and_with_乡镇_blank_too_the_countys(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [member("李四", 行政村=""), member("王五", 乡镇="", 行政村="")]
    path = write_sheet(tmp_path / "t.xlsx", TEAMS, rows)
    code, result, _ = run_command("ledger", "import", "work_teams", str(path))
    assert (code, result["created"]) == (0, 2), result["errors"]
    regions = dict(WorkTeamMember.objects.values_list("name", "region__name"))
    assert regions == {"李四": "金山店镇", "王五": "大冶市"}
    town = run_command("ledger", "stats", "--region", "大冶市/金山店镇", "--year", "2025")[1]
    assert town["ledgers"]["work_teams"]["rows"] == 1


def test_faults_of_a_team_file_are_named_at_their_row_and_column(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        member("李四"),  # 2 fine
        member("赵六", 驻村开始日期="2020-13-01"),  # 3 a bad date
        member("孙七", 驻村结束日期="2020-01-01"),  # 4 ends before it starts
        member("周八", 队内职务="组长"),  # 5 bad code
        member("吴九", 联系电话="12345"),  # 6 bad phone
        member("李四"),  # 7 duplicate of row 2
        member("郑十", 乡镇="还地桥镇", 行政村="白羊村"),  # 8 another town
    ]
    path = write_sheet(tmp_path / "bad.xlsx", TEAMS, rows)
    result = pipeline.run("work_teams", path, actor=users["town_staff"])
    assert result["status"] == "rejected" and WorkTeamMember.objects.count() == 0
    assert {(e["row"], e["column"]) for e in result["errors"]} == {
        (3, "驻村开始日期"),
        (4, "驻村结束日期"),
        (5, "队内职务"),
        (6, "联系电话"),
        (7, "乡镇"),
        (8, "行政村"),
    }


def test_a_stint_may_end_or_start_in_the_future_but_an_inspection_has_happened(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """Dates as in formats.md §1: a planned 驻村结束日期 or a rotation's 驻村开始日期 may be
    ahead of today, by import, by hand and through the export's round trip; an inspection's 日期
    may not."""
    ahead = today() + dt.timedelta(days=400)
    rows = [
        member("李四", 驻村开始日期="2025-06-01", 驻村结束日期=f"{ahead:%Y-%m-%d}"),
        member("钱二", 驻村开始日期=f"{ahead:%Y-%m-%d}"),
    ]
    path = write_sheet(tmp_path / "t.xlsx", TEAMS, rows)
    code, result, _ = run_command("ledger", "import", "work_teams", str(path))
    assert (code, result["created"]) == (0, 2), result["errors"]
    assert WorkTeamMember.objects.get(name="李四").end == ahead
    out = tmp_path / "out.xlsx"
    run_command("ledger", "export", "work_teams", "--region", "金山店镇", "--out", str(out))
    code, again, _ = run_command("ledger", "import", "work_teams", str(out))
    assert (code, again["unchanged"]) == (0, 2)
    data = {"region": str(WorkTeamMember.objects.get(name="李四").region_id), "name": "王五"}
    data |= {"start": "2025-06-01", "end": f"{ahead:%Y-%m-%d}", "post": "队员"}
    response = client_for("town_staff").post(reverse("ledgers:new", args=["work_teams"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    path = write_sheet(tmp_path / "i.xlsx", INSP, [inspection(f"{ahead:%Y-%m-%d}", "例会")])
    code, refused, _ = run_command("ledger", "import", "inspections", str(path))
    assert code == 1
    assert [(e["column"], e["message"]) for e in refused["errors"]] == [
        ("日期", f"日期{ahead:%Y-%m-%d}晚于今天")
    ]


def test_the_team_export_reimports_as_a_no_op_and_is_masked_without_the_right(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load(
        "work_teams",
        [member("李四"), member("王五", 行政村="仕秦村")],
        tmp_path,
        users["county_admin"],
    )
    out = tmp_path / "out.xlsx"
    code, result, _ = run_command(
        "ledger", "export", "work_teams", "--region", "金山店镇", "--out", str(out)
    )
    assert (code, result["rows"]) == (0, 2)
    code, again, _ = run_command("ledger", "import", "work_teams", str(out))
    assert (again["unchanged"], again["created"]) == (2, 0)
    page = client_for("town_staff").get(reverse("ledgers:list", args=["work_teams"]))
    assert "138****5678" in page.content.decode() and "13812345678" not in page.content.decode()
    other = client_for("other_town").get(reverse("ledgers:list", args=["work_teams"]))
    assert other.context["page"].paginator.count == 0


def test_a_clerks_masked_team_export_imports_back_as_a_no_op(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    # A user who may not see full phones exports 138****5678; the file imports back unchanged
    # (as a masked 证件号码 does), and a masked phone that is not the row's is refused.
    load(
        "work_teams",
        [member("李四"), member("王五", 行政村="仕秦村", 联系电话="0714-8765432")],
        tmp_path,
        users["county_admin"],
    )
    response = client_for("town_staff").get(reverse("ledgers:export", args=["work_teams"]))
    assert response.status_code == 200
    out = tmp_path / "clerk.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    result = pipeline.run("work_teams", out, actor=users["town_staff"])
    assert (result["status"], result["unchanged"], result["updated"]) == ("imported", 2, 0), result[
        "errors"
    ]
    assert sorted(WorkTeamMember.objects.values_list("phone", flat=True)) == [
        "0714-8765432",
        "13812345678",
    ]
    rows = [member("李四", 联系电话="139****5678"), member("赵六", 联系电话="138****5678")]
    refused = load("work_teams", rows, tmp_path, users["town_staff"], name="bad.xlsx")
    assert refused["status"] == "rejected"
    assert [(e["row"], e["column"], e["message"]) for e in refused["errors"]] == [
        (2, "联系电话", "联系电话已脱敏（139****5678），与系统中该行的号码不符，请填写完整号码"),
        (3, "联系电话", "联系电话已脱敏（138****5678），新增的记录请填写完整号码"),
    ]
    assert not WorkTeamMember.objects.filter(name="赵六").exists()


def test_a_rotation_keeps_who_was_in_post_on_any_date(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load("work_teams", [member("李四", 队内职务="第一书记")], tmp_path, users["county_admin"])
    li = WorkTeamMember.objects.get(name="李四")
    data = {"on": "2026-08-01", "name": "钱二", "unit": "市人社局", "post": "第一书记"}
    assert (
        client_for("grid_member").post(reverse("duty:rotate", args=[li.pk]), data).status_code
        == 403
    )
    assert (
        client_for("other_town").post(reverse("duty:rotate", args=[li.pk]), data).status_code == 404
    )
    response = client_for("town_staff").post(reverse("duty:rotate", args=[li.pk]), data)
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.end == dt.date(2026, 7, 31)
    qian = WorkTeamMember.objects.get(name="钱二")
    assert (qian.start, qian.region_id, qian.post) == (
        dt.date(2026, 8, 1),
        li.region_id,
        "第一书记",
    )
    before = client_for("town_staff").get(reverse("duty:teams"), {"on": "2026-07-15"})
    after = client_for("town_staff").get(reverse("duty:teams"), {"on": "2026-08-15"})
    assert [m.name for m in before.context["members"]] == ["李四"]
    assert [m.name for m in after.context["members"]] == ["钱二"]
    village = client_for("village_staff").get(reverse("duty:village", args=[li.region_id]))
    assert {s.name for s in village.context["stints"]} == {"李四", "钱二"}


def test_checks_flag_a_team_without_a_first_secretary_and_a_member_past_the_term(
    users: dict[str, Any], tmp_path: Path, regions: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(checks, "today", lambda: dt.date(2026, 6, 15))
    rows = [
        member("李四"),  # 朝阳村: no 第一书记
        member("王五", 行政村="仕秦村", 队内职务="第一书记", 驻村开始日期="2023-01-10"),
        member("赵六", 行政村="仕秦村", 驻村开始日期="2025-01-10"),
    ]
    load("work_teams", rows, tmp_path, users["county_admin"])
    z01 = checks.no_first_secretary(None, {"all_villages": False})
    assert [(r["region_id"], r["message"]) for r in z01] == [
        (regions["village"].pk, "朝阳村驻村工作队没有在岗的第一书记")
    ]
    every = checks.no_first_secretary(None, {"all_villages": True})
    assert {r["region_id"] for r in every} == {regions["village"].pk, regions["other_village"].pk}
    z02 = checks.past_term(None, {"max_years": 2})
    assert [r["message"] for r in z02] == ["驻村队员王五自2023-01-10驻村，已超过2年任期"]
    assert checks.past_term(None, {"max_years": 4}) == []


def test_a_good_inspection_file_imports_with_town_and_village_records(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        inspection("2023-01-05", "工作提示"),
        inspection("2023-01-20", "纪律督查", 行政村="朝阳村", 发现问题数="2", 是否通报="是"),
        inspection("2023-01-20", "纪律督查", 行政村="仕秦村"),
    ]
    path = write_sheet(tmp_path / "i.xlsx", INSP, rows)
    code, result, _ = run_command("ledger", "import", "inspections", str(path))
    assert (code, result["created"]) == (0, 3)
    town = Inspection.objects.get(kind="工作提示")
    assert (town.region.name, town.reported) == ("金山店镇", False)
    checked = Inspection.objects.get(region__name="朝阳村")
    assert (checked.problems_found, checked.reported) == (2, True)
    out = tmp_path / "out.xlsx"
    run_command("ledger", "export", "inspections", "--region", "大冶市", "--out", str(out))
    code, again, _ = run_command("ledger", "import", "inspections", str(out))
    assert (again["unchanged"], again["created"]) == (3, 0)
    code, stats, _ = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2023")
    assert stats["ledgers"]["inspections"]["by"]["类型"]["纪律督查"]["rows"] == 2


def test_faults_of_an_inspection_file_and_its_scope(users: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        inspection("2023-01-05", "工作提示"),  # 2
        inspection("2023-01-05", "工作提示"),  # 3 duplicate
        inspection("2023-13-05", "学习"),  # 4 bad date
        inspection("2023-02-05", "座谈"),  # 5 bad kind
        inspection("2023-02-05", "例会", 组织单位=""),  # 6 organizer required
        inspection("2023-02-05", "例会", 发现问题数="-1"),  # 7 negative
        inspection("2023-02-05", "学习", 乡镇="还地桥镇"),  # 8 another town
    ]
    path = write_sheet(tmp_path / "bad.xlsx", INSP, rows)
    result = pipeline.run("inspections", path, actor=users["town_staff"])
    assert result["status"] == "rejected" and Inspection.objects.count() == 0
    assert {(e["row"], e["column"]) for e in result["errors"]} == {
        (3, "日期"),
        (4, "日期"),
        (5, "类型"),
        (6, "组织单位"),
        (7, "发现问题数"),
        (8, "乡镇"),
    }


def test_the_monthly_study_meeting_and_inspection_check_names_the_missing_months(
    users: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    regions: dict[str, Any],
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(checks, "today", lambda: dt.date(2023, 12, 10))
    rows = []
    for month in range(1, 12):
        rows.append(inspection(f"2023-{month:02d}-03", "学习"))
        if month != 5:
            rows.append(inspection(f"2023-{month:02d}-10", "例会"))
        rows.append(inspection(f"2023-{month:02d}-20", "纪律督查", 行政村="朝阳村"))
    load("inspections", rows, tmp_path, users["county_admin"])
    found = checks.monthly_check(None, {"level": "town", "types": checks.MONTHLY})
    assert [(r["key"], r["message"]) for r in found] == [("2023-05", "金山店镇2023-05缺少：例会")]
    # A town that keeps no record at all is only named when every town must be checked.
    params = {"level": "town", "types": checks.MONTHLY, "all_units": True}
    found = checks.monthly_check(None, params)
    other = [r for r in found if r["region_id"] == regions["other_town"].pk]
    assert len(other) == 11  # 还地桥镇 recorded nothing in January–November
    assert other[0]["message"] == "还地桥镇2023-01缺少：学习、例会、督查"
    assert checks.done_through(regions["town"], 2023, 11) == 4
    page = client_for("town_staff").get(reverse("duty:monthly"), {"year": "2023"})
    assert page.status_code == 200
    assert [row["region"] for row in page.context["table"]] == [regions["town"]]
    assert page.context["table"][0]["cells"][4] == ["例会"]
    assert page.context["table"][0]["cells"][0] == []


def test_the_report_counts_inspections_of_the_period_and_names_its_span(
    users: dict[str, Any], tmp_path: Path, regions: dict[str, Any]
) -> None:
    from duty.reporting import report_sections

    rows = [inspection(f"2023-{m:02d}-05", "工作提示") for m in range(1, 13)]
    rows += [inspection(f"2023-{m:02d}-20", "纪律督查", 行政村="朝阳村") for m in (2, 5, 8)]
    load("inspections", rows, tmp_path, users["county_admin"])

    def told(start: dt.date, end: dt.date) -> str:
        return report_sections(regions["town"], start, end)["duty"][0]

    year = told(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert year.startswith("2023年已下发12次定期工作提示、开展了3次工作队纪律督查")
    q1 = told(dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    assert q1.startswith("2023年已下发3次定期工作提示、开展了1次工作队纪律督查")
    q3 = told(dt.date(2023, 7, 1), dt.date(2023, 9, 30))
    assert q3.startswith("2023年7-9月已下发3次定期工作提示、开展了1次工作队纪律督查")
    may = told(dt.date(2023, 5, 1), dt.date(2023, 5, 31))
    assert may.startswith("2023年5月已下发1次定期工作提示、开展了1次工作队纪律督查")
