"""公益性岗位, 光伏收益分配, 小额信贷 and 村干部名单 through the ledger kit: a good file imports and
again changes nothing, one fault of each kind rejects the file whole at its row and column, the
export re-imports as a no-op, and each user sees exactly their region."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from core import pipeline
from fangpin.testing import id_number, run_command, write_sheet
from livelihood.models import CadreRow, LoanRow, PostRow, PvIncomeRow
from livelihood.tests.helpers import HEADERS, cadre, loan, post, pv

MODELS = {"posts": PostRow, "pv_income": PvIncomeRow, "loans": LoanRow, "cadres": CadreRow}


@pytest.fixture
def people(household: Any, other_household: Any) -> dict[str, Any]:
    own = household.persons.order_by("pk")
    return {"a": own[0], "b": own[1], "c": own[2], "other": other_household.persons.first()}


def good_rows(kind: str, people: dict[str, Any]) -> list[dict[str, Any]]:
    """Two rows of the town of 金山店镇 and one of 还地桥镇."""
    if kind == "posts":
        return [
            post(people["a"]),
            post(people["b"], 状态="", 聘用结束日期="", 资金来源="衔接资金"),
            post(people["other"]),
        ]
    if kind == "pv_income":
        return [
            pv(),
            pv(行政村="仕秦村", 电站名称="仕秦村电站"),
            pv(乡镇="还地桥镇", 行政村="白羊村"),
        ]
    if kind == "loans":
        return [loan(people["a"]), loan(people["b"], 使用方式="户贷社用"), loan(people["other"])]
    return [
        cadre(id_number()),
        cadre(id_number(), 行政村="仕秦村"),
        cadre(id_number(), 乡镇="还地桥镇", 行政村="白羊村"),
    ]


@pytest.mark.parametrize("kind", ["posts", "pv_income", "loans", "cadres"])
def test_a_good_file_imports_again_changes_nothing_and_the_export_is_a_no_op(
    kind: str, people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [*good_rows(kind, people), {HEADERS[kind][0]: "合计"}]
    path = write_sheet(tmp_path / "in.xlsx", HEADERS[kind], rows, title="大冶市台账")
    code, result, _ = run_command("ledger", "import", kind, str(path))
    assert code == 0, result
    assert (result["status"], result["rows"], result["created"]) == ("imported", 3, 3)
    assert MODELS[kind].objects.count() == 3
    code, again, _ = run_command("ledger", "import", kind, str(path))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)
    out = tmp_path / "out.xlsx"
    code, exported, _ = run_command(
        "ledger", "export", kind, "--region", "大冶市/金山店镇", "--out", str(out)
    )
    assert (code, exported["rows"]) == (0, 2)
    code, back, _ = run_command("ledger", "import", kind, str(out))
    assert (code, back["unchanged"], back["created"], back["updated"]) == (0, 2, 0, 0)


@pytest.mark.parametrize("kind", ["posts", "pv_income", "loans", "cadres"])
def test_the_list_shows_exactly_the_users_region_masked(
    kind: str, people: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "in.xlsx", HEADERS[kind], good_rows(kind, people))
    assert run_command("ledger", "import", kind, str(path))[0] == 0
    url = reverse("ledgers:list", args=[kind])
    town = client_for("town_staff").get(url)
    assert town.status_code == 200
    assert town.context["page"].paginator.count == 2
    body = town.content.decode()
    if kind in ("posts", "loans"):
        assert people["a"].id_number not in body and people["a"].masked_id() in body
    other = client_for("other_town").get(url)
    assert other.context["page"].paginator.count == 1
    assert client_for("county_admin").get(url).context["page"].paginator.count == 3
    outside = MODELS[kind].objects.order_by("-pk").first()
    assert outside is not None
    detail = client_for("town_staff").get(reverse("ledgers:detail", args=[kind, outside.pk]))
    assert detail.status_code == 404


def _faults(kind: str, rows: list[dict[str, Any]], actor: Any, tmp_path: Path) -> dict:
    path = write_sheet(tmp_path / "bad.xlsx", HEADERS[kind], rows)
    result = pipeline.run(kind, path, actor=actor)
    assert result["status"] == "rejected"
    assert MODELS[kind].objects.count() == 0
    return {(e["row"], e["column"]): e["message"] for e in result["errors"]}


def test_one_fault_of_each_kind_rejects_a_post_file_whole(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    a, b = people["a"], people["b"]
    rows = [
        post(a),  # 2: fine
        post(a, 证件号码=id_number(), 姓名="无此人"),  # 3: not on the register
        post(people["other"]),  # 4: another town's person
        post(b, 岗位类别="保安"),  # 5: bad code
        post(b, 聘用开始日期="2024-02-30"),  # 6: bad date
        post(a),  # 7: duplicate key of row 2
        post(b, 聘用开始日期="2023-01-01", 月补贴标准="-5"),  # 8: negative amount
        post(b, 聘用开始日期="2022-01-01", 聘用结束日期="2021-12-31"),  # 9: ends before it starts
        post(b, 聘用开始日期="2021-01-01", 退岗日期="2021-06-30"),  # 10: 在岗 with an exit date
    ]
    errors = _faults("posts", rows, users["town_staff"], tmp_path)
    assert set(errors) == {
        (3, "证件号码"),
        (4, "证件号码"),
        (5, "岗位类别"),
        (6, "聘用开始日期"),
        (7, "证件号码"),
        (8, "月补贴标准"),
        (9, "聘用结束日期"),
        (10, "状态"),
    }
    assert "不在您管辖范围" in errors[(4, "证件号码")]
    numbers = {3: rows[1]["证件号码"], 4: people["other"].id_number}
    assert f"证件号码“{numbers[4]}”不在" in errors[(4, "证件号码")]
    assert errors[(3, "证件号码")].replace(numbers[3], "") == errors[(4, "证件号码")].replace(
        numbers[4], ""
    )
    assert "第2行" in errors[(7, "证件号码")] and "不能为负数" in errors[(8, "月补贴标准")]
    assert errors[(10, "状态")] == "已填写退岗日期，状态应为“已退岗”"


def test_a_station_with_行政村_blank_is_the_towns_and_with_乡镇_blank_too_the_countys(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        pv(),
        pv(行政村="", 电站名称="金山店镇联村电站"),
        pv(乡镇="", 行政村="", 电站名称="县集中式电站", 发电收益="50000"),
    ]
    path = write_sheet(tmp_path / "pv.xlsx", HEADERS["pv_income"], rows)
    code, result, _ = run_command("ledger", "import", "pv_income", str(path))
    assert (code, result["created"]) == (0, 3), result["errors"]
    regions = dict(PvIncomeRow.objects.values_list("station", "region__name"))
    assert regions["金山店镇联村电站"] == "金山店镇" and regions["县集中式电站"] == "大冶市"
    county = run_command("ledger", "stats", "--region", "大冶市", "--year", "2024")[1]
    figures = county["ledgers"]["pv_income"]
    assert (figures["rows"], figures["amount"], figures["stations"]) == (3, "82000.00", 3)
    assert figures["villages"] == 1  # a town's or the county's station is not a village
    town = run_command("ledger", "stats", "--region", "大冶市/金山店镇", "--year", "2024")[1]
    assert town["ledgers"]["pv_income"]["rows"] == 2


@pytest.mark.parametrize(("town", "village"), [("乡(镇)", "村"), ("乡镇（街道）", "行政村")])
def test_a_region_ledger_takes_the_registers_region_header_aliases(
    users: dict[str, Any], tmp_path: Path, town: str, village: str
) -> None:
    # formats.md §6 reads a ledger "with the same rules as §1", whose 乡镇 is also 乡(镇) or
    # 乡镇(街道) and 行政村 also 村; 乡镇 is 光伏收益分配's first key header, so it marks the row.
    headers = [
        town if h == "乡镇" else village if h == "行政村" else h for h in HEADERS["pv_income"]
    ]
    rows = [{town: r["乡镇"], village: r["行政村"]} | r for r in [pv(), pv(行政村="仕秦村")]]
    path = write_sheet(tmp_path / "pv.xlsx", headers, rows, title="光伏收益分配台账")
    code, result, _ = run_command("ledger", "import", "pv_income", str(path))
    assert (code, result["created"], result["warnings"]) == (0, 2, []), result["errors"]
    assert sorted(PvIncomeRow.objects.values_list("region__name", flat=True)) == [
        "仕秦村",
        "朝阳村",
    ]


def test_the_statistics_page_lists_a_towns_own_stations_so_its_parts_add_up(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    """A station with 行政村 blank is the 乡镇's own (formats.md §6): the page's sub-regions and
    the Excel 台账 show it as 本级, and the rows above the 合计 add up to it."""
    from python_calamine import CalamineWorkbook

    rows = [
        pv(),
        pv(行政村="", 电站名称="金山店镇联村电站", 发电收益="30000"),
        pv(乡镇="", 行政村="", 电站名称="县集中式电站", 发电收益="50000"),
    ]
    path = write_sheet(tmp_path / "pv.xlsx", HEADERS["pv_income"], rows)
    assert run_command("ledger", "import", "pv_income", str(path))[0] == 0
    client = client_for("county_admin")
    url = reverse("ledgers:stats", args=["pv_income"])
    page = client.get(url + "?year=2024")
    parts = [(c["label"], c["figures"]["amount"]) for c in page.context["children"]]
    assert parts[-1] == ("大冶市本级", "50000.00")
    assert ("金山店镇", "46000.00") in parts and ("还地桥镇", "0.00") in parts
    assert "大冶市本级" in page.content.decode()
    town = client.get(url + f"?year=2024&region={regions['town'].pk}").context["children"]
    assert [(c["label"], c["figures"]["rows"]) for c in town] == [
        ("仕秦村", 0),
        ("朝阳村", 1),
        ("金山店镇本级", 1),
    ]
    book = client.get(url + "?year=2024&format=xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book.getvalue())).get_sheet_by_index(0)
    lines = sheet.to_python()
    total = next(i for i, line in enumerate(lines) if line[0] == "合计")
    amounts = [Decimal(str(line[4])) for line in lines[3 : total + 1]]
    assert sum(amounts[:-1]) == amounts[-1] == 96000


def test_a_text_key_is_an_identifier_full_and_half_width_alike_and_free_text_is_kept(
    users: dict[str, Any], tmp_path: Path
) -> None:
    first = [pv(电站名称="朝阳村光伏电站（一期）", 备注="其他支出：保险费，含税")]
    path = write_sheet(tmp_path / "a.xlsx", HEADERS["pv_income"], first)
    assert run_command("ledger", "import", "pv_income", str(path))[0] == 0
    again = [pv(电站名称="朝阳村光伏电站(一期)", 备注="其他支出：保险费，含税")]
    path = write_sheet(tmp_path / "b.xlsx", HEADERS["pv_income"], again)
    code, result, _ = run_command("ledger", "import", "pv_income", str(path))
    assert (code, result["created"], result["unchanged"]) == (0, 0, 1)
    assert PvIncomeRow.objects.get().note == "其他支出：保险费，含税"


def test_one_fault_of_each_kind_rejects_a_pv_file_whole(
    users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        pv(),  # 2: fine
        pv(行政村="无此村"),  # 3: unknown village
        pv(乡镇="还地桥镇", 行政村="白羊村"),  # 4: another town's village
        pv(年度="二〇二四"),  # 5: bad year
        pv(公示日期="2024-13-01", 电站名称="二号电站"),  # 6: bad date
        pv(),  # 7: duplicate key of row 2
        pv(电站名称="三号电站", 发电收益="-100"),  # 8: negative amount
        pv(电站名称="四号电站", 公示日期="2023-12-01"),  # 9: published before its year
    ]
    errors = _faults("pv_income", rows, users["town_staff"], tmp_path)
    assert set(errors) == {
        (3, "行政村"),
        (4, "行政村"),
        (5, "年度"),
        (6, "公示日期"),
        (7, "乡镇"),
        (8, "发电收益"),
        (9, "公示日期"),
    }, sorted(errors)
    assert "不能为负数" in errors[(8, "发电收益")]


def test_one_fault_of_each_kind_rejects_a_loan_file_whole(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    a, b = people["a"], people["b"]
    first = loan(a)
    rows = [
        first,  # 2: fine
        loan(a, 证件号码="420281199001011234"),  # 3: check digit
        loan(people["other"]),  # 4: another town's person
        loan(b, 使用方式="户贷村用"),  # 5: bad code
        loan(b, 放款日期="2024-02-30"),  # 6: bad date
        dict(first),  # 7: duplicate key of row 2
        loan(b, 贷款金额="-1"),  # 8: negative amount
        loan(b, 到期日期="2024-01-01"),  # 9: due before it was lent
        loan(b, 逾期金额="500"),  # 10: overdue amount of a 正常 loan
        loan(b, 合同编号="HT-345", **{"年利率(%)": "345"}),  # 11: a rate in percent is at most 100
    ]
    errors = _faults("loans", rows, users["town_staff"], tmp_path)
    assert set(errors) == {
        (3, "证件号码"),
        (4, "证件号码"),
        (5, "使用方式"),
        (6, "放款日期"),
        (7, "证件号码"),
        (8, "贷款金额"),
        (9, "到期日期"),
        (10, "逾期金额"),
        (11, "年利率(%)"),
    }
    assert "是否应为" in errors[(5, "使用方式")]
    assert errors[(11, "年利率(%)")] == "应在0—100之间，实为345"


def test_the_cadre_list_masks_its_id_numbers_and_refuses_a_bad_one(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    number = id_number(dt.date(1970, 3, 3))
    errors = _faults(
        "cadres",
        [
            cadre(number),
            cadre("420281199001011234"),
            cadre(id_number(), 行政村=""),
            cadre("4202**********1234", 行政村="仕秦村"),
        ],
        users["town_staff"],
        tmp_path,
    )
    assert set(errors) == {(3, "证件号码"), (4, "行政村"), (5, "证件号码")}, errors
    assert "已脱敏" in errors[(5, "证件号码")], errors
    path = write_sheet(tmp_path / "ok.xlsx", HEADERS["cadres"], [cadre(number)])
    assert pipeline.run("cadres", path, actor=users["town_staff"])["status"] == "imported"
    body = client_for("town_staff").get(reverse("ledgers:list", args=["cadres"])).content
    assert number not in body.decode() and number[-4:] in body.decode()


def test_a_term_may_start_ahead_of_today_but_a_loan_is_lent_when_it_is(
    people: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    """A 村干部's term entered before it starts imports (as a post's contract does); a 放款日期
    records a loan that was lent, so a future one is refused (formats.md §6: dates as in §1)."""
    from core.dates import today

    ahead = today() + dt.timedelta(days=30)
    path = write_sheet(
        tmp_path / "c.xlsx", HEADERS["cadres"], [cadre(id_number(), 任职开始日期=ahead)]
    )
    assert pipeline.run("cadres", path, actor=users["town_staff"])["status"] == "imported"
    assert CadreRow.objects.get().start == ahead
    due = ahead + dt.timedelta(days=3 * 365)
    errors = _faults(
        "loans", [loan(people["a"], 放款日期=ahead, 到期日期=due)], users["town_staff"], tmp_path
    )
    assert errors == {(2, "放款日期"): f"日期{ahead:%Y-%m-%d}晚于今天"}


def test_a_post_is_added_by_hand_checked_like_an_import_and_audited(
    people: dict[str, Any], client_for: Any
) -> None:
    from core.models import AuditRecord

    url = reverse("ledgers:new", args=["posts"])
    data = {
        "id_number": people["a"].id_number,
        "name": people["a"].name,
        "post_name": "护林员",
        "category": "生态护林员",
        "funding": "衔接资金",
        "start": "2024-03-01",
        "end": "2025-02-28",
        "monthly_pay": "600",
        "status": "在岗",
    }
    assert client_for("auditor").post(url, data).status_code == 403
    response = client_for("town_staff").post(url, data)
    assert response.status_code == 302
    saved = PostRow.objects.get()
    assert (saved.category, saved.monthly_pay, saved.end) == (
        "生态护林员",
        Decimal("600.00"),
        dt.date(2025, 2, 28),
    )
    assert AuditRecord.objects.filter(object_type="livelihood.postrow", action="create").exists()


def test_the_cadre_list_is_kept_by_the_town_and_a_village_user_only_reads_it(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    from django.core.exceptions import PermissionDenied

    number = id_number(dt.date(1970, 3, 3))
    path = write_sheet(tmp_path / "cadres.xlsx", HEADERS["cadres"], [cadre(number)])
    refusal = "村干部名单由乡镇维护，您只能查看"
    assert pipeline.kind("cadres").refusal(users["village_staff"]) == refusal
    assert pipeline.kind("cadres").refusal(users["town_staff"]) == ""
    with pytest.raises(PermissionDenied):
        pipeline.run("cadres", path, actor=users["village_staff"])
    assert not CadreRow.objects.exists()
    assert pipeline.run("cadres", path, actor=users["town_staff"])["status"] == "imported"
    row = CadreRow.objects.get()

    village = client_for("village_staff")
    page = village.get(reverse("ledgers:list", args=["cadres"]))
    assert page.status_code == 200 and number[-4:] in page.content.decode()
    assert reverse("ledgers:new", args=["cadres"]) not in page.content.decode()
    assert village.get(reverse("ledgers:new", args=["cadres"])).status_code == 403
    edit = reverse("ledgers:edit", args=["cadres", row.pk])
    refused = village.post(edit, {"name": "改名"})
    assert refused.status_code == 403 and refusal in refused.content.decode()
    assert village.post(reverse("ledgers:delete", args=["cadres", row.pk])).status_code == 403
    assert CadreRow.objects.get().name == row.name
    # The village keeps its other ledgers as before.
    posts = village.get(reverse("ledgers:list", args=["posts"])).content.decode()
    assert reverse("ledgers:new", args=["posts"]) in posts
