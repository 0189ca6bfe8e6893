"""Rules 31, 33 and 34 as checks L01–L25: each fires on data built to show it and is silent on
clean data; seed 003 #5, #7 and #19 are caught."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from core.layout import Column, Date, Layout, Money, Text
from core.models import AuditRecord
from fangpin.testing import make_household
from ledgers import kit
from livelihood import checks
from livelihood.models import PvIncomeRow
from livelihood.tests.helpers import cadre, load, loan, member, post, pv

POSTS = (
    checks.one_post_per_household,
    checks.hiring_age,
    checks.too_old,
    checks.cadre_family,
    checks.pv_post_eligibility,
    checks.expired_contract,
    checks.no_contract_term,
)
POST_PARAMS = {
    checks.one_post_per_household: {"max_per_household": 1},
    checks.hiring_age: {"min_age": 16, "max_hire_age": 60},
    checks.too_old: {"old_age": 70},
}


def run(fn: Any, params: dict | None = None) -> list[dict]:
    return list(fn(None, params) if params is not None else fn(None))


def fired(fn: Any, params: dict | None = None) -> list[str]:
    return [f["message"] for f in run(fn, params)]


@pytest.fixture
def on_2024(monkeypatch: Any) -> dt.date:
    day = dt.date(2024, 6, 15)
    monkeypatch.setattr(checks, "today", lambda: day)
    return day


@pytest.fixture
def poor(regions: dict[str, Any]) -> Any:
    """A 脱贫户 of 朝阳村 (members born 1960, 1967, 1974)."""
    return make_household(regions["village"], is_alleviated=True, alleviated_year=2018)


def test_rule31_checks_are_silent_on_clean_posts(
    poor: Any, users: dict[str, Any], tmp_path: Path, on_2024: dt.date
) -> None:
    labourer = poor.persons.order_by("pk")[1]  # born 1967: 56 when hired
    load("posts", [post(labourer)], tmp_path, users["county_admin"])
    load(
        "cadres",
        [cadre(make_household(poor.region).persons.first().id_number)],
        tmp_path,
        users["county_admin"],
    )
    for fn in POSTS:
        assert run(fn, POST_PARAMS.get(fn)) == [], fn.__name__


def test_rule31_checks_fire_on_posts_built_to_break_them(
    poor: Any, household: Any, users: dict[str, Any], tmp_path: Path, on_2024: dt.date
) -> None:
    admin = users["county_admin"]
    head, wife, son = poor.persons.order_by("pk")
    child = member(poor, dt.date(2010, 5, 1))
    elder = member(household, dt.date(1950, 3, 1), relation="之父")
    load(
        "posts",
        [
            post(wife),  # fine alone, but a second post in the household
            post(son, 岗位名称="护路员", 资金来源="衔接资金", 岗位类别="乡村公益性岗位"),
            post(child, 聘用开始日期="2024-03-01"),  # 13 at hiring
            post(
                head,
                聘用开始日期="2023-01-01",
                聘用结束日期="2023-12-31",
                状态="已退岗",
                退岗日期="2023-12-31",
            ),
            post(head, 聘用开始日期="2024-01-01"),  # a renewal at 64: not a new hire
            # 一般农户 on a 光伏 post, hired at 74 and 74 now.
            post(elder, 聘用开始日期="2024-02-01"),
        ],
        tmp_path,
        admin,
    )
    assert fired(checks.one_post_per_household, {"max_per_household": 1}) == [
        f"同一户有4个在岗的公益性岗位：{wife.name}（保洁员）、{son.name}（护路员）、"
        f"{head.name}（保洁员）、{child.name}（保洁员）；应一户一岗"
    ]
    assert fired(checks.one_post_per_household, {"max_per_household": 4}) == []
    assert sorted(fired(checks.hiring_age, {"min_age": 16, "max_hire_age": 60})) == sorted(
        [
            f"{child.name}于2024-03-01新聘公益性岗位时13岁，未满16周岁",
            f"{elder.name}于2024-02-01新聘公益性岗位时73岁，超过60周岁",
        ]
    )
    # Settable up to 65, never above.
    assert len(run(checks.hiring_age, {"min_age": 16, "max_hire_age": 80})) == 2
    assert fired(checks.too_old, {"old_age": 70}) == [
        f"{elder.name}已74岁，仍在公益性岗位（保洁员）"
    ]
    assert fired(checks.pv_post_eligibility) == [
        f"{elder.name}所在户不是脱贫户或边缘易致贫户，不能聘用为光伏收益公益性岗位"
    ]
    assert fired(checks.cadre_family) == []
    load("cadres", [cadre(head.id_number, 姓名=head.name)], tmp_path, admin)
    family = fired(checks.cadre_family)
    assert f"{head.name}为在任村干部，不得聘用为公益性岗位" in family
    assert f"{wife.name}与在任村干部{head.name}同户，村干部家庭成员不得聘用为公益性岗位" in family
    assert len(family) == 4


def test_seed003_7_contracts_expired_still_in_post_and_a_post_without_contract(
    poor: Any, regions: dict[str, Any], users: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """ "在岗生态护林员4名，其中3人聘用合同于2020年9月30日到期，入户核查时3人均在岗但未续签合同，
    1人于2020年11月上岗，但未签订聘用合同。" """
    monkeypatch.setattr(checks, "today", lambda: dt.date(2021, 1, 15))
    rangers = [
        make_household(regions["village"], is_alleviated=True).persons.first() for _ in range(5)
    ]
    ranger = {"岗位名称": "生态护林员", "岗位类别": "生态护林员", "资金来源": "衔接资金"}
    rows = [
        post(p, **ranger, 聘用开始日期="2019-10-01", 聘用结束日期="2020-09-30") for p in rangers[:3]
    ]
    rows.append(post(rangers[3], **ranger, 聘用开始日期="2020-11-01", 聘用结束日期=""))
    # The fifth was renewed: the old contract ended, a new one runs.
    rows += [
        post(rangers[4], **ranger, 聘用开始日期="2019-10-01", 聘用结束日期="2020-09-30"),
        post(rangers[4], **ranger, 聘用开始日期="2020-10-01", 聘用结束日期="2021-09-30"),
    ]
    load("posts", rows, tmp_path, users["county_admin"])
    expired = fired(checks.expired_contract)
    assert sorted(expired) == sorted(
        f"{p.name}的生态护林员聘用合同已于2020-09-30到期，仍在岗但未续签合同" for p in rangers[:3]
    )
    assert fired(checks.no_contract_term) == [
        f"{rangers[3].name}自2020-11-01在岗（生态护林员），没有聘用合同期限（聘用结束日期）"
    ]


def test_rule34_checks_are_silent_on_a_clean_distribution_and_fire_on_faults(
    poor: Any, users: dict[str, Any], tmp_path: Path, on_2024: dt.date
) -> None:
    admin = users["county_admin"]
    wife, son = poor.persons.order_by("pk")[1:3]
    # Two 光伏 posts of 朝阳村: 500 × 12 (2024) + 250 × 4 (Sep–Dec) = 7,000.
    load(
        "posts",
        [post(wife), post(son, 聘用开始日期="2024-09-01", 月补贴标准="250")],
        tmp_path,
        admin,
    )
    load("pv_income", [pv(公益岗位支出="7000", 公益事业支出="3000")], tmp_path, admin)
    tolerance = {"tolerance": 100}
    assert fired(checks.other_without_note) == []
    assert fired(checks.spent_above_revenue) == []
    assert fired(checks.wages_disagree, tolerance) == []
    load(
        "pv_income",
        [
            pv(公益岗位支出="9000", 其他支出="4000"),  # other without note; 19,000 > 16,000
            pv(行政村="仕秦村", 电站名称="仕秦村电站", 其他支出="500", 备注="场地租金"),
        ],
        tmp_path,
        admin,
    )
    assert fired(checks.other_without_note) == [
        "朝阳村光伏电站2024年其他支出4,000.00元，未在备注中说明用途"
    ]
    assert fired(checks.spent_above_revenue) == [
        "朝阳村光伏电站2024年运维及各项支出合计19,000.00元，超过发电收益16,000.00元"
    ]
    assert sorted(fired(checks.wages_disagree, tolerance)) == [
        "仕秦村2024年光伏收益分配公益岗位支出6,000.00元，公益性岗位台账中该村当年没有光伏收益岗位",
        "朝阳村2024年光伏收益分配公益岗位支出9,000.00元，公益性岗位台账中该村2人光伏收益岗位应发7,000.00元",
    ]
    assert len(run(checks.wages_disagree, {"tolerance": 2000})) == 1


def test_seed003_19_upkeep_paid_from_the_revenue_and_again_from_a_project(
    users: dict[str, Any], tmp_path: Path, regions: dict[str, Any], monkeypatch: Any
) -> None:
    """ "有的地方使用发电收益重复列支运维管理费用" — the same village and year pays 运维 from the
    station's revenue and from a project (`project_payments`)."""
    admin = users["county_admin"]
    load("pv_income", [pv(), pv(年度="2023", 公示日期="2024-01-10")], tmp_path, admin)
    monkeypatch.delitem(kit._LEDGERS, "project_payments", raising=False)
    assert checks.upkeep_paid_twice(None) == []  # no projects app: skipped silently
    # A ledger with the headers of formats.md §6's project_payments stands in for it.
    fake = kit.Ledger(
        Layout(
            kind="project_payments",
            name="项目资金支付",
            level="region",
            columns=(
                *kit.region_columns(),
                Column("station", "支付内容", Text(100)),
                Column("year", "年度", Text(4)),
                Column("published", "支付日期", Date()),
                Column("revenue", "金额", Money()),
            ),
        ),
        PvIncomeRow,
    )
    monkeypatch.setitem(kit._LEDGERS, "project_payments", fake)

    def pay(region: Any, content: str, day: dt.date, amount: str) -> None:
        PvIncomeRow.objects.create(
            region=region, station=content, year=9000 + day.day, published=day, revenue=amount
        )

    assert checks.upkeep_paid_twice(None) == []
    pay(regions["village2"], "光伏电站运维管理费", dt.date(2024, 5, 1), "800")  # another village
    pay(regions["village"], "道路硬化工程款", dt.date(2024, 5, 2), "5000")  # not 运维
    assert checks.upkeep_paid_twice(None) == []
    pay(regions["village"], "光伏电站运维管理费", dt.date(2024, 5, 3), "800")
    found = checks.upkeep_paid_twice(None)
    assert [f["message"] for f in found] == [
        "朝阳村光伏电站2024年光伏收益已列支运维费用1,000.00元，同年又从项目资金支付运维费用："
        "项目“光伏电站运维管理费”800.00元"
    ]
    assert found[0]["region_id"] == regions["village"].pk


def test_rule33_checks_are_silent_on_clean_loans_and_fire_on_faults(
    poor: Any, users: dict[str, Any], tmp_path: Path, on_2024: dt.date
) -> None:
    admin = users["county_admin"]
    head, wife, son = poor.persons.order_by("pk")
    load("loans", [loan(wife, 合同编号="OK1", 到期日期="2027-03-01")], tmp_path, admin)
    params = {
        checks.over_limit: {"max_amount": 50000, "top_up_amount": 100000},
        checks.over_term: {"max_months": 36},
        checks.borrower_age: {"min_age": 18, "max_age": 65},
        checks.pooled_loans: {"max_share_pct": 0},
        checks.overdue_or_due: {"due_days": 30},
    }
    for fn, p in params.items():
        assert run(fn, p) == [], fn.__name__
    young = member(poor, dt.date(2008, 1, 1))
    load(
        "loans",
        [
            loan(son, 合同编号="BIG", 贷款金额="80000"),
            loan(son, 合同编号="HUGE", 贷款金额="120000", 贴息金额=""),
            loan(son, 合同编号="LONG", 期限="", **{"期限(月)": "60"}, 到期日期="2029-03-01"),
            loan(head, 合同编号="OLD", 放款日期="2024-03-01"),  # 64: fine
            loan(young, 合同编号="KID"),  # 16 at lending
        ],
        tmp_path,
        admin,
    )
    assert sorted(fired(checks.over_limit, params[checks.over_limit])) == sorted(
        [
            f"{son.name}贷款BIG金额80,000.00元，超过贴息额度50,000.00元，超出部分不得贴息"
            "（贴息1,725.00元，请核实）",
            f"{son.name}贷款HUGE金额120,000.00元，超过100,000.00元上限",
        ]
    )
    assert fired(checks.over_term, params[checks.over_term]) == [
        f"{son.name}贷款LONG期限60个月，超过36个月"
    ]
    assert fired(checks.borrower_age, params[checks.borrower_age]) == [
        f"{young.name}贷款KID于2024-03-01放款时16岁，不在18—65周岁"
    ]
    assert len(run(checks.borrower_age, {"min_age": 18, "max_age": 60})) == 2


def test_loans_overdue_or_due_within_30_days_are_listed_for_the_contact_cadre(
    poor: Any, users: dict[str, Any], tmp_path: Path, on_2024: dt.date
) -> None:
    from assistance.services import assign_contact

    admin = users["county_admin"]
    head, wife, son = poor.persons.order_by("pk")
    load(
        "loans",
        [
            loan(head, 合同编号="LATE", 还款状态="逾期", 逾期金额="2000"),
            loan(wife, 合同编号="SOON", 放款日期="2021-07-01", 到期日期="2024-07-01"),
            loan(son, 合同编号="GONE", 放款日期="2021-06-01", 到期日期="2024-06-01"),
            loan(
                son,
                合同编号="PAID",
                放款日期="2021-06-01",
                到期日期="2024-06-01",
                还款状态="已结清",
            ),
            loan(son, 合同编号="LATER", 放款日期="2021-08-01", 到期日期="2024-08-01"),
        ],
        tmp_path,
        admin,
    )
    assign_contact(actor=admin, household=poor, start_date=dt.date(2024, 1, 1), name="柯帮扶")
    found = {f["message"] for f in run(checks.overdue_or_due, {"due_days": 30})}
    assert found == {
        f"{head.name}贷款LATE已逾期，逾期金额2,000.00元；帮扶联系人：柯帮扶",
        f"{wife.name}贷款SOON将于2024-07-01到期（16天后）；帮扶联系人：柯帮扶",
        f"{son.name}贷款GONE已于2024-06-01到期，尚未结清；帮扶联系人：柯帮扶",
    }
    assert len(run(checks.overdue_or_due, {"due_days": 60})) == 4


def test_seed003_5_share_of_households_borrowing_for_a_cooperative_per_town(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    """ "抽查的368户贷过扶贫小额信贷的农户中，有96户（26.09%）为户贷社用" — here 6 of 23."""
    borrowers = [
        make_household(regions["village"], members=1, is_alleviated=True).persons.first()
        for _ in range(23)
    ]
    rows = [loan(p, 使用方式="户贷社用" if i < 6 else "户贷户用") for i, p in enumerate(borrowers)]
    load("loans", rows, tmp_path, users["county_admin"])
    found = checks.pooled_loans(None, {"max_share_pct": 0})
    assert [(f["region_id"], f["message"]) for f in found] == [
        (regions["town"].pk, "金山店镇贷过扶贫小额信贷的23户中，有6户（26.09%）为户贷社用")
    ]
    assert checks.pooled_loans(None, {"max_share_pct": 30}) == []
    # Through the check queue, with the year's parameters: one finding of the town.
    from exchange.models import Item
    from exchange.services import run_checks

    result = run_checks(actor=users["county_admin"])
    assert result["counts"]["L24"] == 1
    item = Item.objects.get(rule__code="L24")
    assert item.region_id == regions["town"].pk and "26.09%" in str(item.message)


def test_the_due_page_lists_overdue_and_falling_due_loans_of_the_users_region(
    poor: Any,
    other_household: Any,
    users: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    django_assert_max_num_queries: Any,
) -> None:
    from django.urls import reverse

    from assistance.services import assign_contact
    from core.dates import today

    admin = users["county_admin"]
    head, wife, son = poor.persons.order_by("pk")
    soon = today() + dt.timedelta(days=10)
    load(
        "loans",
        [
            loan(head, 合同编号="LATE", 还款状态="逾期"),
            loan(wife, 合同编号="SOON", 到期日期=f"{soon:%Y-%m-%d}"),
            loan(son, 合同编号="FINE", 到期日期=f"{today().year + 2}-01-01"),
            loan(other_household.persons.first(), 合同编号="THERE", 还款状态="逾期"),
        ],
        tmp_path,
        admin,
    )
    assign_contact(actor=admin, household=poor, start_date=today(), name="柯帮扶")
    url = reverse("livelihood:loans_due")
    with django_assert_max_num_queries(12):
        page = client_for("town_staff").get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "LATE" in body and "SOON" in body and "柯帮扶" in body
    assert "FINE" not in body and "THERE" not in body
    assert head.id_number not in body and head.masked_id() in body
    assert f"<td>{poor.region.place()}</td>" in body  # 乡镇/行政村, not the 组 alone
    assert "THERE" in client_for("other_town").get(url).content.decode()
    assert "LATE" not in client_for("town_staff").get(url, {"contact": "别人"}).content.decode()
    assert client_for("town_staff").get(url, {"days": "abc"}).status_code == 404
    # The same list as a printable Excel 台账 for the 帮扶联系人, masked, with a 合计 row; audited.
    assert "format=xlsx" in body
    sheet = client_for("town_staff").get(url, {"format": "xlsx"})
    assert sheet.status_code == 200
    table = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0)
    rows = table.to_python()
    listed = [r for r in rows if r and r[4] in ("LATE", "SOON")]
    assert sorted(r[4] for r in listed) == ["LATE", "SOON"]
    assert all(r[1] == poor.region.place() and r[9] == "柯帮扶" for r in listed)
    assert head.id_number not in str(rows) and head.masked_id() in str(rows)
    assert [str(c) for c in rows[-1][:2]] == ["合计", "2笔"]
    assert AuditRecord.objects.filter(action="export", object_type="livelihood.loanrow").exists()


def test_seed003_19_through_the_projects_ledger_when_it_is_installed(
    users: dict[str, Any], tmp_path: Path, regions: dict[str, Any]
) -> None:
    """The same finding from rows imported into the projects app's own ledgers."""
    if "project_payments" not in kit.ledgers() or "projects" not in kit.ledgers():
        pytest.skip("the projects app is not installed")
    from core import pipeline
    from fangpin.testing import write_sheet

    admin = users["county_admin"]
    load("pv_income", [pv()], tmp_path, admin)
    for kind, row in (
        (
            "projects",
            {
                "项目编号": "XM2024-01",
                "项目名称": "光伏电站运维",
                "年度": "2024",
                "乡镇": "金山店镇",
                "行政村": "朝阳村",
            },
        ),
        (
            "project_payments",
            {
                "项目编号": "XM2024-01",
                "凭证号": "PZ001",
                "支付日期": "2024-05-03",
                "金额": "800",
                "支付内容": "光伏电站运维管理费",
            },
        ),
    ):
        path = write_sheet(tmp_path / f"{kind}.xlsx", kit.ledger(kind).layout.headers, [row])
        assert pipeline.run(kind, path, actor=admin)["status"] == "imported"
    found = checks.upkeep_paid_twice(None)
    assert [f["region_id"] for f in found] == [regions["village"].pk]
    assert "XM2024-01“光伏电站运维管理费”800.00元" in found[0]["message"]


def test_the_home_page_counts_the_loans_due_in_the_users_region(
    poor: Any, other_household: Any, users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    from django.urls import reverse

    load(
        "loans",
        [
            loan(poor.persons.first(), 合同编号="LATE1", 还款状态="逾期"),
            loan(other_household.persons.first(), 合同编号="LATE2", 还款状态="逾期"),
        ],
        tmp_path,
        users["county_admin"],
    )
    widgets = client_for("town_staff").get(reverse("home")).context["widgets"]
    mine = [w for w in widgets if w["label"] == "小额信贷逾期或30天内到期"]
    assert [w["value"] for w in mine] == [1]
    county = client_for("county_admin").get(reverse("home")).context["widgets"]
    assert [w["value"] for w in county if w["label"].startswith("小额信贷")] == [2]
