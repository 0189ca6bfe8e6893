"""The ledger kit, through the first ledger built on it (雨露计划): the commands, the import and
its faults, the export round trip, the pages, the API and the figures — scoped and masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from python_calamine import CalamineWorkbook

from benefits.layouts import YULU
from benefits.models import YuluRow
from core import fastinsert, pipeline
from core.models import AuditRecord
from fangpin.testing import id_number, run_command, write_sheet

HEADERS = YULU.headers


def row(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2024",
        "学期": "春季",
        "学校名称": "大冶职校",
        "学历层次": "中职",
        "年级": "一年级",
        "补助金额": "1500",
        "发放日期": "2024-04-10",
    } | cells


@pytest.fixture
def students(household: Any, other_household: Any) -> dict[str, Any]:
    own = household.persons.order_by("pk")
    return {"a": own[0], "b": own[1], "other": other_household.persons.first()}


def test_ledger_kinds_lists_every_ledger_with_its_key_and_headers(db: Any) -> None:
    code, result, _ = run_command("ledger", "kinds")
    assert code == 0
    yulu = next(k for k in result["kinds"] if k["kind"] == "yulu")
    assert yulu == {
        "kind": "yulu",
        "name": "雨露计划",
        "level": "person",
        "key": ["证件号码", "年度", "学期"],
        "headers": HEADERS,
    }


def test_a_good_file_imports_and_again_changes_nothing(
    students: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        row(students["a"]),
        # 2024.0: as a program writes a column of numbers with blanks in it (pandas).
        row(students["a"], 学期="秋季", 补助金额="1500.00", 年度="2024.0"),
        row(students["b"], 学历层次="高职", 补助金额="1,500", 年度="2024年度"),
        {"证件号码": "合计", "补助金额": "4500"},
    ]
    path = write_sheet(tmp_path / "yulu.xlsx", HEADERS, rows, title="大冶市雨露计划发放名单")
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert code == 0, result
    assert (result["status"], result["rows"], result["created"]) == ("imported", 3, 3)
    assert YuluRow.objects.count() == 3
    first = YuluRow.objects.get(person=students["a"], term="春季")
    assert (first.amount, first.level, first.paid_date) == (
        Decimal("1500.00"),
        "中职",
        dt.date(2024, 4, 10),
    )
    assert first.household_id == students["a"].household_id
    assert YuluRow.objects.get(person=students["b"]).year == 2024  # written 2024年度
    assert YuluRow.objects.get(person=students["a"], term="秋季").year == 2024  # written 2024.0
    # The import's own record audits the rows it created; each row names it and its row.
    imported = AuditRecord.objects.get(object_type="imports.yulu", action="import")
    assert imported.after == {
        "file": "yulu.xlsx",
        "sha256": result["sha256"],
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "warning_count": 0,
    }
    assert sorted(YuluRow.objects.values_list("import_record", "import_row")) == [
        (imported.pk, 3),
        (imported.pk, 4),
        (imported.pk, 5),
    ]
    assert not AuditRecord.objects.filter(object_type="benefits.yulurow").exists()
    code, again, _ = run_command("ledger", "import", "yulu", str(path))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)
    assert "没有变化" in again["message"]
    assert YuluRow.objects.filter(import_record=imported).count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_large_ledger_import_leaves_fresh_planner_statistics(
    students: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures looked at right after a county's 务工 import are planned for its rows."""

    def estimate() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = 'benefits_yulurow'::regclass"
            )
            return cursor.fetchone()[0]

    before = estimate()
    path = write_sheet(tmp_path / "a.xlsx", HEADERS, [row(students["a"])])
    assert run_command("ledger", "import", "yulu", str(path))[0] == 0
    assert estimate() == before  # fewer rows than ANALYZE_MIN: left to autovacuum
    monkeypatch.setattr(fastinsert, "ANALYZE_MIN", 1)
    path = write_sheet(tmp_path / "b.xlsx", HEADERS, [row(students["a"]), row(students["b"])])
    assert run_command("ledger", "import", "yulu", str(path))[1]["created"] == 1
    assert estimate() == YuluRow.objects.count() == 2


def test_a_row_changed_by_an_import_keeps_its_origin_and_gets_its_own_record(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    first = write_sheet(tmp_path / "spring.xlsx", HEADERS, [row(students["a"])])
    assert run_command("ledger", "import", "yulu", str(first))[0] == 0
    second = write_sheet(tmp_path / "fix.xlsx", HEADERS, [row(students["a"], 补助金额="1200")])
    assert run_command("ledger", "import", "yulu", str(second))[0] == 0
    saved = YuluRow.objects.get()
    origin = AuditRecord.objects.get(object_type="imports.yulu", object_repr="spring.xlsx")
    assert (saved.amount, saved.import_record_id, saved.import_row) == (
        Decimal("1200.00"),
        origin.pk,
        2,
    )
    change = AuditRecord.objects.get(object_type="benefits.yulurow", object_id=str(saved.pk))
    assert (change.action, change.before, change.after) == (
        "update",
        {"amount": "1500.00"},
        {"amount": "1200.00"},
    )
    assert "fix.xlsx" in change.note
    page = client_for("town_staff").get(reverse("ledgers:detail", args=["yulu", saved.pk]))
    body = page.content.decode()
    assert "fix.xlsx" in body  # the change
    assert "导入新增（文件“spring.xlsx”第2行" in body  # where the row came from


def test_one_fault_of_each_kind_rejects_the_whole_file_at_its_row_and_column(
    students: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        row(students["a"]),  # 2: fine
        row(students["a"], 证件号码="420281199001011234"),  # 3: check digit
        row(students["a"], 证件号码=id_number(), 姓名="无此人"),  # 4: not on the register
        row(students["other"]),  # 5: another town's person
        row(students["b"], 学期="冬季"),  # 6: bad code
        row(students["b"], 发放日期="2024-13-01"),  # 7: bad date
        row(students["a"]),  # 8: duplicate key of row 2
        row(students["b"], 学期="秋季", 补助金额="-5"),  # 9: negative amount
        row(students["b"], 学期="秋季", 姓名="别人"),  # 10: name disagrees
    ]
    path = write_sheet(tmp_path / "bad.xlsx", HEADERS, rows)
    errors_out = tmp_path / "errors.xlsx"
    code, cli, _ = run_command("ledger", "import", "yulu", str(path), "--errors", str(errors_out))
    assert code == 1 and cli["status"] == "rejected"
    # As the town's own clerk, the other town's person is outside the scope.
    result = pipeline.run("yulu", path, actor=users["town_staff"])
    assert result["status"] == "rejected"
    assert YuluRow.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result["errors"]}
    assert found == {
        (3, "证件号码"),
        (4, "证件号码"),
        (5, "证件号码"),
        (6, "学期"),
        (7, "发放日期"),
        (8, "证件号码"),
        (9, "补助金额"),
        (10, "姓名"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in result["errors"]}
    # Each names the number it was given; otherwise they read alike: nothing learnt.
    given = {(e["row"], e["column"]): str(e["value"]) for e in result["errors"]}
    for at in ((4, "证件号码"), (5, "证件号码")):
        assert f"证件号码“{given[at]}”不在" in messages[at]
    assert messages[(4, "证件号码")].replace(given[(4, "证件号码")], "") == messages[
        (5, "证件号码")
    ].replace(given[(5, "证件号码")], "")
    assert "不在您管辖范围" in messages[(5, "证件号码")]
    assert students["other"].name not in {e["message"] for e in result["errors"]}
    assert "是否应为" in messages[(6, "学期")] and "第2行" in messages[(8, "证件号码")]
    assert "不能为负数" in messages[(9, "补助金额")]
    book = CalamineWorkbook.from_path(str(errors_out)).get_sheet_by_index(0).to_python()
    assert book[0][-1] == "错误说明" and "学期" in str(book[5][-1])


def test_every_error_of_a_row_is_reported_and_none_that_a_bad_cell_would_make_up(
    students: dict[str, Any], tmp_path: Path
) -> None:
    """A bad cell does not hide a row's other errors (formats.md §6: every error): the rules
    across columns run on the cells that were read; only a rule that needs the bad cell stays
    silent."""
    rows = [
        row(students["a"], 补助金额="-5", 发放日期="2023-01-01"),  # 2: both cells wrong
        row(students["b"], 年度="24", 发放日期="2020-01-01"),  # 3: no 年度 to compare with
    ]
    path = write_sheet(tmp_path / "bad.xlsx", HEADERS, rows)
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert code == 1 and YuluRow.objects.count() == 0
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        (2, "补助金额", "-5", "不能为负数（-5）"),
        (2, "发放日期", "2023-01-01", "发放日期2023-01-01早于补助年度2024"),
        (3, "年度", "24", "应为四位年份，实为“24”"),
    ]


def test_a_row_whose_key_could_not_be_read_repeats_no_other(
    students: dict[str, Any], tmp_path: Path
) -> None:
    """Two bad 年度 are not the same key (formats.md §6 names each fault once); a row with a bad
    cell outside its key still repeats one."""
    rows = [
        row(students["a"], 年度="26"),  # 2 and 3: keys not read
        row(students["a"], 年度="25"),
        row(students["b"], 补助金额="abc"),  # 4 and 5: the same key, read
        row(students["b"]),
    ]
    path = write_sheet(tmp_path / "bad.xlsx", HEADERS, rows)
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert code == 1
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        (2, "年度", "26", "应为四位年份，实为“26”"),
        (3, "年度", "25", "应为四位年份，实为“25”"),
        (4, "补助金额", "abc", "“abc”不是数字"),
        (5, "证件号码", students["b"].id_number, "与第4行重复（证件号码、年度、学期相同）"),
    ]


def test_a_file_rejected_as_a_whole_still_gets_an_error_workbook_saying_why(
    students: dict[str, Any], tmp_path: Path
) -> None:
    # No header row in the first ten: the workbook gives the reason.
    late = tmp_path / "late.csv"
    titles = "".join(f"说明{i}\n" for i in range(10))
    late.write_text(titles + ",".join(HEADERS) + "\n", encoding="utf-8")
    out = tmp_path / "late-errors.xlsx"
    code, result, _ = run_command("ledger", "import", "yulu", str(late), "--errors", str(out))
    assert code == 1 and result["errors"][0]["row"] is None
    book = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert book[0] == ["错误说明"] and "证件号码" in str(book[1][0])
    # A required column missing: the reason stands beside the header's 错误说明.
    headers = [h for h in HEADERS if h != "姓名"]
    short = write_sheet(tmp_path / "short.xlsx", headers, [row(students["a"])])
    out = tmp_path / "short-errors.xlsx"
    assert run_command("ledger", "import", "yulu", str(short), "--errors", str(out))[0] == 1
    book = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    reason = str(book[0][-1])
    assert reason.startswith("错误说明：") and "姓名" in reason


def test_the_export_reimports_as_a_no_op(
    students: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    source = write_sheet(
        tmp_path / "in.xlsx", HEADERS, [row(students["a"]), row(students["b"], 年级="")]
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    out = tmp_path / "out.xlsx"
    code, result, _ = run_command(
        "ledger",
        "export",
        "yulu",
        "--region",
        "大冶市/金山店镇",
        "--year",
        "2024",
        "--out",
        str(out),
    )
    assert (code, result["rows"]) == (0, 2)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "金山店镇雨露计划" and sheet[2] == HEADERS
    code, again, _ = run_command("ledger", "import", "yulu", str(out))
    assert (code, again["unchanged"], again["created"], again["updated"]) == (0, 2, 0, 0)


def test_an_export_longer_than_a_sheet_is_refused_and_goes_whole_as_csv(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """Excel drops rows beyond 1,048,576 without a word: such an export is refused as .xlsx
    (CLI and web) and written whole as CSV, which imports back as a no-op."""
    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [row(students["a"], 学校名称="=1+1 职校"), row(students["b"], 年级="")],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"last month's export")
    with patch("ledgers.services.SHEET_ROWS", 4):  # title, subtitle, header and one row
        with pytest.raises(CommandError, match="超过Excel工作表4行的上限") as refused:
            run_command("ledger", "export", "yulu", "--region", "大冶市", "--out", str(out))
        assert refused.value.returncode == 2  # wrong usage: name a .csv
        # The file named is left as it was, and nothing of this export beside it.
        assert out.read_bytes() == b"last month's export"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]
        client = client_for("county_admin")
        answer = client.get(reverse("ledgers:export", args=["yulu"]), {"year": "2024"}, follow=True)
        assert "超过Excel工作表4行的上限" in answer.content.decode()
        csv_out = tmp_path / "out.csv"
        code, result, _ = run_command(
            "ledger", "export", "yulu", "--region", "大冶市", "--out", str(csv_out)
        )
        assert (code, result["rows"]) == (0, 2)
        web = client.get(reverse("ledgers:export", args=["yulu"]), {"format": "csv"})
        assert web["Content-Type"].startswith("text/csv")
        assert b"".join(web.streaming_content).decode("utf-8-sig").count("\n") == 3
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADERS) and "\t=1+1 职校" in lines[1]  # never run as a formula
    code, again, _ = run_command("ledger", "import", "yulu", str(csv_out))
    assert (code, again["unchanged"], again["created"], again["updated"]) == (0, 2, 0, 0)


def test_free_text_keeps_its_chinese_punctuation_and_a_row_saved_by_hand_exports_as_a_no_op(
    students: dict[str, Any], tmp_path: Path
) -> None:
    school = "大冶市（第一）职业技术学校，东校区①"
    source = write_sheet(
        tmp_path / "in.xlsx", HEADERS, [row(students["a"], 学校名称=f" {school} ", 年级="二年级")]
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    assert YuluRow.objects.get().school == school  # as written, only trimmed
    # A row saved by hand (the form keeps what was typed) is not "changed" by its own export.
    YuluRow.objects.update(grade="二年级：（下）")
    out = tmp_path / "out.xlsx"
    run_command("ledger", "export", "yulu", "--region", "大冶市", "--out", str(out))
    code, again, _ = run_command("ledger", "import", "yulu", str(out))
    assert (code, again["unchanged"], again["updated"]) == (0, 1, 0)
    # Full-width letters and digits are still read as their ASCII selves.
    fixed = write_sheet(tmp_path / "w.xlsx", HEADERS, [row(students["a"], 年级="２０２４级Ａ班")])
    assert run_command("ledger", "import", "yulu", str(fixed))[0] == 0
    assert YuluRow.objects.get().grade == "2024级A班"


def test_the_list_shows_exactly_the_users_region_masked_with_totals(
    students: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [row(students["a"]), row(students["b"]), row(students["other"], 补助金额="3000")],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    client = client_for("town_staff")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ledgers:list", args=["yulu"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["page"].paginator.count == 2
    assert students["a"].id_number not in body and students["a"].masked_id() in body
    assert students["other"].masked_id() not in body
    assert "3,000.00" in body  # the two own rows: 1,500 + 1,500
    other = client_for("other_town").get(reverse("ledgers:list", args=["yulu"]))
    assert other.context["page"].paginator.count == 1
    county = client_for("county_admin").get(reverse("ledgers:list", args=["yulu"]) + "?q=成员")
    assert county.context["page"].paginator.count == 3
    row_pk = YuluRow.objects.get(person=students["other"]).pk
    detail = client_for("town_staff").get(reverse("ledgers:detail", args=["yulu", row_pk]))
    assert detail.status_code == 404


def test_the_print_view_keeps_the_lists_order(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [row(students["a"], 补助金额="1000"), row(students["b"], 补助金额="2000")],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    client = client_for("town_staff")
    url = reverse("ledgers:print", args=["yulu"])
    listed = client.get(reverse("ledgers:list", args=["yulu"]), {"sort": "-amount"})
    assert f"{url}?sort=-amount" in listed.content.decode()  # the print link carries the sort
    # Sorted by 补助金额, largest first, as the list showed it; as entered without a sort.
    by_amount = client.get(url, {"sort": "-amount"}).content.decode()
    assert by_amount.index("2,000.00") < by_amount.index("1,000.00")
    entered = client.get(url).content.decode()
    assert entered.index("1,000.00") < entered.index("2,000.00")


def test_a_person_ledgers_list_and_print_say_where_each_row_is(
    students: dict[str, Any], client_for: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    source = write_sheet(
        tmp_path / "in.xlsx", HEADERS, [row(students["a"]), row(students["other"])]
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    client = client_for("county_admin")
    here, there = students["a"].household.region.place(), students["other"].household.region.place()
    with django_assert_max_num_queries(12):
        listed = client.get(reverse("ledgers:list", args=["yulu"]), {"sort": "place"})
    body = listed.content.decode()
    # A county's list mixes every village: each row says its 乡镇/行政村, and sorts by it.
    assert "所在地" in body and f"<td>{here}</td>" in body and f"<td>{there}</td>" in body
    a, b = students["a"].household.region, students["other"].household.region
    first, second = (here, there) if a.path < b.path else (there, here)  # in the tree's order
    assert body.index(f"<td>{first}</td>") < body.index(f"<td>{second}</td>")
    down = client.get(reverse("ledgers:list", args=["yulu"]), {"sort": "-place"})
    text = down.content.decode()
    assert text.index(f"<td>{second}</td>") < text.index(f"<td>{first}</td>")
    printed = client.get(reverse("ledgers:print", args=["yulu"])).content.decode()
    assert "<th>所在地</th>" in printed and f"<td>{here}</td>" in printed
    # The totals stay under their columns: 合计, a blank 所在地, then the layout's columns.
    assert listed.context["totals"][0] == "" and len(listed.context["totals"]) == 1 + len(HEADERS)


def test_the_pages_of_a_long_list_reach_its_first_and_last_page_keeping_the_filters(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    terms = [("2023", "春季"), ("2023", "秋季"), ("2024", "春季"), ("2024", "秋季")]
    rows = [row(students["a"], 年度=y, 学期=t) for y, t in terms]
    assert (
        run_command(
            "ledger", "import", "yulu", str(write_sheet(tmp_path / "in.xlsx", HEADERS, rows))
        )[0]
        == 0
    )
    client = client_for("town_staff")
    url = reverse("ledgers:list", args=["yulu"])
    with patch("ledgers.views.PAGE_SIZE", 1):
        first = client.get(url, {"by_level": "中职"}).content.decode()
        last = client.get(url, {"by_level": "中职", "page": "4"}).content.decode()
    assert 'href="?by_level=%E4%B8%AD%E8%81%8C&page=4">末页</a>' in first and "首页" not in first
    assert 'href="?by_level=%E4%B8%AD%E8%81%8C&page=1">首页</a>' in last and "末页" not in last


def test_a_row_is_added_by_hand_checked_like_an_import_and_audited(
    students: dict[str, Any], client_for: Any
) -> None:
    url = reverse("ledgers:new", args=["yulu"])
    data = {
        k: v
        for k, v in {
            "id_number": students["a"].id_number,
            "name": students["a"].name,
            "year": "2024",
            "term": "秋季",
            "level": "高职",
            "amount": "1500",
        }.items()
    }
    assert client_for("auditor").post(url, data).status_code == 403
    wrong = client_for("town_staff").post(url, data | {"name": "别人"})
    assert "姓名与证件号码不符" in wrong.content.decode()
    response = client_for("town_staff").post(url, data)
    assert response.status_code == 302
    saved = YuluRow.objects.get()
    assert (saved.term, saved.amount) == ("秋季", Decimal("1500.00"))
    assert AuditRecord.objects.filter(object_type="benefits.yulurow", action="create").exists()
    again = client_for("town_staff").post(url, data)
    assert "已有证件号码、年度、学期相同的记录" in again.content.decode()


def test_the_web_upload_previews_then_imports_a_ledger(
    students: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    path = write_sheet(tmp_path / "yulu.xlsx", HEADERS, [row(students["a"])])
    client = client_for("town_staff")
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:upload"), {"kind": "yulu", "file": fh})
    assert response.status_code == 302
    from imports.models import ImportBatch

    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.counts["created"]) == ("yulu", "valid", 1)
    assert YuluRow.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[batch.pk]), {})
    batch.refresh_from_db()
    assert batch.status == "imported" and YuluRow.objects.count() == 1
    # The row's page names the batch that keeps the uploaded file.
    saved = YuluRow.objects.get()
    assert saved.import_record is not None and saved.import_record.after == {
        "file": "yulu.xlsx",
        "sha256": batch.sha256,
        "batch": batch.pk,
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "warning_count": 0,
    }
    page = client.get(reverse("ledgers:detail", args=["yulu", saved.pk])).content.decode()
    assert reverse("imports:detail", args=[batch.pk]) in page


def test_ledger_stats_give_the_figures_of_every_kind(
    students: dict[str, Any], tmp_path: Path
) -> None:
    from registry import services

    services.update_household(
        actor=None,
        household=students["a"].household,
        source=services.IMPORT_SOURCE,  # the status as the national register sets it
        category="突发严重困难户",
        identified_date=dt.date(2024, 1, 5),
        risk_list=["因学"],
    )
    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [
            row(students["a"]),
            row(students["a"], 学期="秋季"),
            row(students["b"], 学历层次="高职", 补助金额="2000"),
            row(students["other"], 年度="2023"),
        ],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    code, result, _ = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2024")
    assert code == 0
    assert result["region"]["name"] == "金山店镇" and result["year"] == 2024
    yulu = result["ledgers"]["yulu"]
    assert (yulu["rows"], yulu["persons"], yulu["households"], yulu["amount"]) == (
        3,
        2,
        1,
        "5000.00",
    )
    assert yulu["sums"] == {"补助金额": "5000.00"}
    assert yulu["by"]["学期"] == {
        "春季": {"rows": 2, "persons": 2, "households": 1, "amount": "3500.00"},
        "秋季": {"rows": 1, "persons": 1, "households": 1, "amount": "1500.00"},
    }
    assert yulu["by"]["学历层次"]["高职"]["amount"] == "2000.00"
    assert yulu["by_status"]["监测户"]["rows"] == 3
    assert yulu["by_status"]["一般农户"]["rows"] == 0
    keys = {"rows", "persons", "households", "amount", "sums", "by", "by_status"}
    for kind, figures in result["ledgers"].items():
        assert keys <= set(figures), kind  # every kind, region rows too (by_status empty)
    assert result["ledgers"]["projects"]["by_status"] == {}


def test_the_api_lists_rows_scoped_and_masked_and_gives_the_figures(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    source = write_sheet(
        tmp_path / "in.xlsx", HEADERS, [row(students["a"]), row(students["other"])]
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    client = client_for("town_staff")
    page = client.get("/api/v1/ledgers/yulu?year=2024").json()
    assert page["count"] == 1
    assert page["results"][0]["证件号码"] == students["a"].masked_id()
    assert page["results"][0]["补助金额"] == "1500.00"  # as the figures give money
    figures = client.get("/api/v1/ledgers/yulu/stats?year=2024").json()
    assert figures["figures"]["rows"] == 1
    assert client.get("/api/v1/ledgers/nothing").status_code == 404


def test_the_api_stats_give_the_commands_figures_at_the_top_level(
    students: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    """formats.md §7: `GET /api/v1/ledgers/{kind}/stats` gives `ledger stats`'s
    `ledgers[kind]` at the top level (employment's by_month too), and under `figures` as
    before."""
    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [row(students["a"]), row(students["b"], 学期="秋季"), row(students["other"])],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    code, stats, _ = run_command("ledger", "stats", "--region", "金山店镇", "--year", "2024")
    assert code == 0
    client = client_for("town_staff")
    for kind in ("yulu", "employment"):
        body = client.get(f"/api/v1/ledgers/{kind}/stats?region=金山店镇&year=2024").json()
        assert (body["region"]["name"], body["year"], body["kind"]) == ("金山店镇", 2024, kind)
        assert body["figures"] == stats["ledgers"][kind]
        top = {k: v for k, v in body.items() if k not in {"region", "year", "kind", "figures"}}
        assert top == stats["ledgers"][kind]
    assert (body["rows"], body["by_month"]) == (0, {})
    yulu = client.get("/api/v1/ledgers/yulu/stats?year=2024").json()
    assert (yulu["rows"], yulu["persons"], yulu["amount"]) == (2, 2, "3000.00")
    assert yulu["by"]["学期"]["秋季"]["rows"] == 1


def test_the_drafted_report_states_the_yulu_figures(
    students: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    import io

    from docx import Document

    from stats.report import render

    source = write_sheet(
        tmp_path / "in.xlsx",
        HEADERS,
        [row(students["a"]), row(students["b"]), row(students["a"], 学期="秋季")],
    )
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    text = "\n".join(p.text for p in Document(io.BytesIO(render(regions["town"], 2024))).paragraphs)
    assert "落实雨露计划3人次，其中春季2人，秋季1人，发放补助4500元。" in text


def test_a_ledger_whose_model_disagrees_with_its_layout_is_refused_at_registration() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from core.layout import Column, Layout, Money, Text
    from ledgers.kit import Ledger, person_columns, register

    bad = Layout(
        kind="bad",
        name="坏台账",
        level="person",
        columns=(
            *person_columns(),
            Column("school", "学校名称", Text(500)),  # longer than the model's 100
            Column("missing", "不存在的列", Text(10)),
            Column("amount", "补助金额", Money()),
        ),
    )
    with pytest.raises(ImproperlyConfigured, match=r"不存在的列.*school|school.*不存在的列"):
        register(Ledger(bad, YuluRow))


def test_a_ledger_whose_model_stores_a_link_column_is_refused_at_registration() -> None:
    """The import writes a row's values and its links by name: a person ledger's 姓名 is the
    register's, never a field of the row."""
    from django.core.exceptions import ImproperlyConfigured

    from core.layout import Column, Layout, Text
    from ledgers.kit import Ledger, person_columns, register
    from livelihood.models import CadreRow

    named = Layout(
        kind="named",
        name="有姓名字段的台账",
        level="person",
        columns=(*person_columns(), Column("office", "职务", Text(30))),
    )
    with pytest.raises(ImproperlyConfigured, match=r"：name是链接列，模型中不应有同名字段$"):
        register(Ledger(named, CadreRow))


def test_a_ledger_searching_or_filtering_a_masked_column_is_refused_at_registration() -> None:
    """A search or a filter by a full number would tell a user who sees it masked whether a
    guess is right."""
    from django.core.exceptions import ImproperlyConfigured

    from duty.layouts import WORK_TEAMS
    from duty.models import WorkTeamMember
    from ledgers.kit import Ledger, register

    for options in ({"search": ("name", "phone")}, {"filters": ("phone",)}):
        with pytest.raises(ImproperlyConfigured, match=r"联系电话.*打码"):
            register(Ledger(WORK_TEAMS, WorkTeamMember, **options))  # type: ignore[arg-type]


def test_region_rows_are_found_in_the_importing_users_county_beside_a_second_county(
    regions: dict[str, Any],
    users: dict[str, Any],
    client: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A second county with a town and a village of the same names: each county's users import
    into their own county (formats.md §6), by web upload and form alike; a command, acting for
    the server above the counties, is told which rows are ambiguous."""
    from duty.models import WorkTeamMember
    from duty.tests.helpers import TEAMS, member
    from fangpin.testing import make_user
    from imports.models import ImportBatch
    from regions.services import create_region

    second = create_region(actor=None, name="阳新县", level=1, code="420222000000")
    town = create_region(actor=None, name="金山店镇", level=2, parent=second)
    village = create_region(actor=None, name="朝阳村", level=3, parent=town)
    baisha = create_region(actor=None, name="白沙镇", level=2, parent=second)
    admin = make_user("county2", "county_admin", second)
    rows = [
        member("李四"),  # 2: 金山店镇/朝阳村, in both counties
        member("王五", 乡镇="", 行政村=""),  # 3: the county itself
        member("赵六", 乡镇="白沙镇", 行政村=""),  # 4: a town of the second county only
    ]
    path = write_sheet(tmp_path / "teams.xlsx", TEAMS, rows)

    # A command acts for the server, above the counties (as for nobody): a town two counties
    # have and a blank 乡镇 cannot be placed; 白沙镇, the second county's only, can.
    code, result, _ = run_command("ledger", "import", "work_teams", str(path), "--dry-run")
    above = pipeline.run("work_teams", path, actor=None, dry_run=True)
    assert code == 1
    for found in (result, above):
        assert [(e["row"], e["column"], e["value"], e["message"]) for e in found["errors"]] == [
            (
                2,
                "乡镇",
                "金山店镇",
                "大冶市、阳新县都有名为“金山店镇”的乡镇，无法确定是哪一个（请由所在县(市、区)的用户导入）",
            ),
            (3, "乡镇", "", "乡镇为空表示县本级，但无法确定是哪个县(市、区)，请填写乡镇"),
        ]
    # The second county's admin, through the web upload: every row is of that county.
    settings.DATA_DIR = tmp_path
    client.force_login(admin)
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:upload"), {"kind": "work_teams", "file": fh})
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.counts["created"]) == ("valid", 3), batch.errors
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[batch.pk]), {})
    assert dict(WorkTeamMember.objects.values_list("name", "region__path")) == {
        "李四": village.path,
        "王五": second.path,
        "赵六": baisha.path,
    }
    # And by hand: the form's region is found again in the user's own county.
    data = {"region": str(village.pk), "name": "钱七", "start": "2025-06-01", "post": "队员"}
    response = client.post(reverse("ledgers:new", args=["work_teams"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WorkTeamMember.objects.get(name="钱七").region == village
    # A town's clerk of the first county still imports into their town only.
    own = pipeline.run("work_teams", path, actor=users["town_staff"], dry_run=True)
    assert {(e["row"], e["message"]) for e in own["errors"]} == {
        (3, "该区划不在您的管辖范围内"),
        (4, "乡镇“白沙镇”在大冶市中不存在"),
    }


def test_the_row_form_reads_a_number_as_the_import_does(
    students: dict[str, Any], client_for: Any
) -> None:
    """A wrong check digit is named as such (it was "不在您管辖范围的户籍台账中"), and a number
    typed with spaces is the register's (it was not found)."""
    url = reverse("ledgers:new", args=["yulu"])
    a = students["a"]
    data = {"name": a.name, "year": "2024", "term": "秋季", "level": "高职", "amount": "1500"}
    wrong = a.id_number[:17] + ("1" if a.id_number[17] == "0" else "0")
    response = client_for("town_staff").post(url, data | {"id_number": wrong})
    assert response.status_code == 200
    assert "证件号码校验位错误" in response.content.decode()
    assert not YuluRow.objects.exists()
    spaced = f"{a.id_number[:6]} {a.id_number[6:14]} {a.id_number[14:]}"
    assert client_for("town_staff").post(url, data | {"id_number": spaced}).status_code == 302
    assert YuluRow.objects.get().person == a


def test_a_file_giving_a_column_twice_is_refused_whole_naming_both_positions(
    students: dict[str, Any], tmp_path: Path
) -> None:
    """Which of two 补助金额 columns counts would be a guess: the file is refused, nothing saved."""
    headers = [*HEADERS, "补助金额"]
    path = write_sheet(tmp_path / "twice.xlsx", headers, [row(students["a"])])
    code, result, _ = run_command("ledger", "import", "yulu", str(path))
    assert (code, result["status"]) == (1, "rejected")
    [error] = result["errors"]
    assert error["message"].startswith("以下列重复出现：“补助金额”（第8列和第10列），请只保留一列")
    assert not YuluRow.objects.exists()
