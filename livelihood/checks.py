"""Data-quality checks of 公益性岗位, 光伏收益 and 小额信贷 (policy.md rules 31, 33, 34; codes L…),
run by `fangpin check`; thresholds are the rule's yearly parameters (部门比对 › 规则).

公益性岗位 (rule 31, seed 003 #7):
  L01 more than one post in post in a household; L02 a new hire younger than 16 or older than the
  hiring age (60, settable up to 65); L03 a holder aged 70 or more; L04 a 村干部 or a 村干部's
  household member on a post (the town's 村干部名单); L05 a 光伏-funded post held by a labourer who
  is neither 脱贫 nor 边缘易致贫; L06 a contract ended but the post still 在岗 and not renewed;
  L07 a post in post with no contract term.
光伏收益 (rule 34, seed 003 #19):
  L11 其他支出 without a note; L12 uses and 运维 above the revenue; L13 the post wages disagreeing
  with the 公益性岗位 ledger's 光伏-funded posts of the village; L14 运维 paid both from the
  revenue and from a project of the same village and year (`project_payments`, when installed).
小额信贷 (rule 33, seed 003 #5):
  L21 amount above the subsidised limit; L22 term above 3 years; L23 borrower's age at lending
  outside 18–65; L24 share of 户贷社用 / 户贷企用 households per town; L25 loans overdue or due
  within 30 days, with the household's 帮扶联系人.

Each check is one or two queries over its ledger, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from core import hooks
from core.batching import chunks
from core.checks import check
from core.dates import today
from core.idnumber import age_on
from ledgers import kit
from ledgers.models import LedgerQuerySet
from livelihood.figures import pv_posts_q, year_q
from livelihood.models import CadreRow, LoanRow, PostRow, PvIncomeRow
from regions.models import Region
from registry.models import Person

ZERO = Decimal("0")


def _below(model: Any, region: Any) -> LedgerQuerySet:
    qs = model.objects.all()
    return qs.below(region) if region is not None else qs


def _finding(
    message: str,
    key: str,
    *,
    household_id: int | None = None,
    person_id: int | None = None,
    region_id: int | None = None,
    **evidence: Any,
) -> dict:
    return {
        "household_id": household_id,
        "person_id": person_id,
        "region_id": region_id,
        "message": message,
        "evidence": evidence,
        "key": key,
    }


def _yuan(value: Any) -> str:
    return f"{Decimal(value or 0):,.2f}"


def _in_post(region: Any) -> QuerySet:
    """Posts marked 在岗 with no 退岗日期."""
    return _below(PostRow, region).filter(status=PostRow.Status.ON, exit_date__isnull=True)


# --------------------------------------------------------------------------- 公益性岗位 (31)


@check("L01", "一户多人在公益性岗位", "yellow", parameters={"max_per_household": 1})
def one_post_per_household(region: Any, params: dict) -> list[dict]:
    """公益性岗位一户一岗：同一户在岗的岗位超过规定数（默认1个）。"""
    most = int(params.get("max_per_household") or 1)
    held: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    rows = _in_post(region).values_list("household_id", "pk", "person__name", "post_name")
    for household_id, pk, name, post in rows.order_by("household_id", "start", "pk"):
        held[household_id].append((pk, name, post or "公益性岗位"))
    out = []
    for household_id, posts in held.items():
        if len(posts) <= most:
            continue
        listed = "、".join(f"{name}（{post}）" for _, name, post in posts)
        out.append(
            _finding(
                f"同一户有{len(posts)}个在岗的公益性岗位：{listed}；应一户一岗",
                f"household:{household_id}",
                household_id=household_id,
                岗位数=len(posts),
            )
        )
    return out


def _new_hires(qs: QuerySet) -> QuerySet:
    """Posts that are a person's first (a renewal — a later row of the same person — is not a
    new hire)."""
    earlier = PostRow.objects.filter(person=OuterRef("person"), start__lt=OuterRef("start"))
    return qs.filter(~Exists(earlier))


@check(
    "L02",
    "公益性岗位新聘人员年龄不符",
    "yellow",
    parameters={"min_age": 16, "max_hire_age": 60},
)
def hiring_age(region: Any, params: dict) -> list[dict]:
    """新聘公益性岗位人员须年满16周岁，且一般不超过60周岁（身体健康的可放宽，最高65周岁）。"""
    low = int(params.get("min_age") or 16)
    high = min(int(params.get("max_hire_age") or 60), 65)
    rows = _new_hires(_in_post(region)).filter(person__birth_date__isnull=False)
    out = []
    for pk, hid, pid, name, birth, start in rows.values_list(
        "pk", "household_id", "person_id", "person__name", "person__birth_date", "start"
    ):
        age = age_on(birth, start)
        if low <= age <= high:
            continue
        limit = f"未满{low}周岁" if age < low else f"超过{high}周岁"
        out.append(
            _finding(
                f"{name}于{start:%Y-%m-%d}新聘公益性岗位时{age}岁，{limit}",
                f"post{pk}:age",
                household_id=hid,
                person_id=pid,
                聘用时年龄=age,
            )
        )
    return out


@check("L03", "公益性岗位人员年满70周岁", "yellow", parameters={"old_age": 70})
def too_old(region: Any, params: dict) -> list[dict]:
    """70周岁以上人员一般不安排公益性岗位。"""
    old = int(params.get("old_age") or 70)
    on = today()
    try:
        born_by = on.replace(year=on.year - old)
    except ValueError:  # 29 February
        born_by = on.replace(year=on.year - old, day=28)
    rows = _in_post(region).filter(person__birth_date__lte=born_by)
    return [
        _finding(
            f"{name}已{age_on(birth, on)}岁，仍在公益性岗位（{post or '公益性岗位'}）",
            f"post{pk}:old",
            household_id=hid,
            person_id=pid,
            年龄=age_on(birth, on),
        )
        for pk, hid, pid, name, birth, post in rows.values_list(
            "pk", "household_id", "person_id", "person__name", "person__birth_date", "post_name"
        )
    ]


@check("L04", "村干部或其家庭成员在公益性岗位", "red")
def cadre_family(region: Any) -> list[dict]:
    """村干部及其家庭成员（同户成员）不得聘用为公益性岗位（乡镇维护的村干部名单）。"""
    on = today()
    serving = CadreRow.objects.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))
    cadre_people = Person.objects.filter(id_number__in=serving.values("cadre_id"))
    rows = list(
        _in_post(region)
        .filter(household_id__in=cadre_people.values("household_id"))
        .values_list("pk", "household_id", "person_id", "person__name")
    )
    households: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for chunk in chunks(sorted({hid for _, hid, _, _ in rows})):
        for pid, hid, name in cadre_people.filter(household_id__in=chunk).values_list(
            "pk", "household_id", "name"
        ):
            households[hid].append((pid, name))
    out = []
    for pk, hid, pid, name in rows:
        if any(cadre_pid == pid for cadre_pid, _ in households[hid]):
            message = f"{name}为在任村干部，不得聘用为公益性岗位"
        else:
            names = "、".join(cadre for _, cadre in households[hid])
            message = f"{name}与在任村干部{names}同户，村干部家庭成员不得聘用为公益性岗位"
        out.append(_finding(message, f"post{pk}:cadre", household_id=hid, person_id=pid))
    return out


@check("L05", "光伏收益岗位聘用了非脱贫、非边缘易致贫劳动力", "red")
def pv_post_eligibility(region: Any) -> list[dict]:
    """光伏扶贫电站收益设立的公益性岗位只能聘用脱贫劳动力和边缘易致贫劳动力。"""
    eligible = Q(household__is_alleviated=True) | Q(household__category="边缘易致贫户")
    rows = _in_post(region).filter(pv_posts_q()).exclude(eligible)
    return [
        _finding(
            f"{name}所在户不是脱贫户或边缘易致贫户，不能聘用为光伏收益公益性岗位",
            f"post{pk}:pv",
            household_id=hid,
            person_id=pid,
        )
        for pk, hid, pid, name in rows.values_list(
            "pk", "household_id", "person_id", "person__name"
        )
    ]


@check("L06", "公益性岗位合同到期未续签仍在岗", "yellow")
def expired_contract(region: Any) -> list[dict]:
    """聘用合同（协议）已到期，岗位仍为在岗，且没有续签（同一人之后的聘用记录）。"""
    on = today()
    later = PostRow.objects.filter(person=OuterRef("person"), start__gt=OuterRef("start"))
    rows = _in_post(region).filter(end__lt=on).filter(~Exists(later))
    return [
        _finding(
            f"{name}的{post or '公益性岗位'}聘用合同已于{end:%Y-%m-%d}到期，仍在岗但未续签合同",
            f"post{pk}:expired",
            household_id=hid,
            person_id=pid,
            聘用结束日期=f"{end:%Y-%m-%d}",
        )
        for pk, hid, pid, name, post, end in rows.values_list(
            "pk", "household_id", "person_id", "person__name", "post_name", "end"
        )
    ]


@check("L07", "公益性岗位无聘用合同期限", "yellow")
def no_contract_term(region: Any) -> list[dict]:
    """在岗的公益性岗位须签订聘用合同（协议），写明聘用起止日期。"""
    rows = _in_post(region).filter(end__isnull=True)
    return [
        _finding(
            f"{name}自{start:%Y-%m-%d}在岗（{post or '公益性岗位'}），"
            "没有聘用合同期限（聘用结束日期）",
            f"post{pk}:term",
            household_id=hid,
            person_id=pid,
        )
        for pk, hid, pid, name, post, start in rows.values_list(
            "pk", "household_id", "person_id", "person__name", "post_name", "start"
        )
    ]


# --------------------------------------------------------------------------- 光伏收益 (34)


def _pv_rows(region: Any) -> QuerySet:
    return _below(PvIncomeRow, region).select_related("region")


@check("L11", "光伏收益其他支出未说明", "yellow")
def other_without_note(region: Any) -> list[dict]:
    """光伏收益只能用于公益岗位、小型公益事业和奖励补助；运维、场地租金、保险计入运维费用，
    其他支出大于0须在备注中说明。"""
    rows = _below(PvIncomeRow, region).filter(other__gt=0, note="")
    return [
        _finding(
            f"{station}{year}年其他支出{_yuan(other)}元，未在备注中说明用途",
            f"pv{pk}:other",
            region_id=rid,
        )
        for pk, rid, station, year, other in rows.values_list(
            "pk", "region_id", "station", "year", "other"
        )
    ]


@check("L12", "光伏收益支出超过发电收益", "red")
def spent_above_revenue(region: Any) -> list[dict]:
    """运维费用与公益岗位、公益事业、奖励补助及其他支出之和不得超过当年发电收益。"""
    out = []
    fields = ("upkeep", "post_wages", "public_works", "awards", "other")
    for row in _below(PvIncomeRow, region).values(
        "pk", "region_id", "station", "year", "revenue", *fields
    ):
        spent = sum((row[f] or ZERO for f in fields), ZERO)
        revenue = row["revenue"] or ZERO
        if spent > revenue:
            out.append(
                _finding(
                    f"{row['station']}{row['year']}年运维及各项支出合计{_yuan(spent)}元，"
                    f"超过发电收益{_yuan(revenue)}元",
                    f"pv{row['pk']}:over",
                    region_id=row["region_id"],
                    支出合计=_yuan(spent),
                    发电收益=_yuan(revenue),
                )
            )
    return out


def months_in(year: int, start: dt.date, end: dt.date | None) -> int:
    """Months (whole or part) of `year` within start…end (end None: to the year's end)."""
    first = max(start, dt.date(year, 1, 1))
    last = min(end or dt.date(year, 12, 31), dt.date(year, 12, 31))
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def pv_post_pay(region: Any, years: set[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """{(village id, year): {"persons", "pay", "unpaid"}} of the 光伏-funded posts held in
    those years: each post's 月补贴标准 × its months in the year; `unpaid` counts posts without
    a 月补贴标准."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    if not years:
        return out
    held = Q(pk__in=[])
    for year in years:
        held |= year_q(year)
    rows = (
        _below(PostRow, region)
        .filter(pv_posts_q())
        .filter(held)
        .values_list(
            "person_id", "household__region__path", "start", "end", "exit_date", "monthly_pay"
        )
    )
    for pid, path, start, end, left, pay in rows:
        chain = [int(x) for x in (path or "").strip("/").split("/") if x]
        for year in years:
            months = months_in(year, start, left or end)
            if not months:
                continue
            for village in chain:
                slot = out.setdefault((village, year), {"persons": set(), "pay": ZERO, "unpaid": 0})
                slot["persons"].add(pid)
                if pay is None:
                    slot["unpaid"] += 1
                else:
                    slot["pay"] += pay * months
    return out


@check("L13", "光伏收益岗位支出与公益性岗位台账不符", "yellow", parameters={"tolerance": 100})
def wages_disagree(region: Any, params: dict) -> list[dict]:
    """光伏收益分配的公益岗位支出应与公益性岗位台账中本村光伏收益岗位的月补贴标准×在岗月数
    相符（差额超过容差元即提示）。"""
    tolerance = Decimal(str(params.get("tolerance") or 0))
    totals: dict[tuple[int, int], dict[str, Any]] = {}
    for rid, name, year, wages in _below(PvIncomeRow, region).values_list(
        "region_id", "region__name", "year", "post_wages"
    ):
        slot = totals.setdefault((rid, year), {"name": name, "wages": ZERO})
        slot["wages"] += wages or ZERO
    posts = pv_post_pay(region, {year for _, year in totals})
    out = []
    for (rid, year), slot in totals.items():
        held = posts.get((rid, year), {"persons": set(), "pay": ZERO, "unpaid": 0})
        if held["unpaid"]:
            continue  # a post without its 月补贴标准: nothing to compare with
        wages, pay, persons = slot["wages"], held["pay"], len(held["persons"])
        if abs(wages - pay) <= tolerance:
            continue
        if not persons:
            told = "公益性岗位台账中该村当年没有光伏收益岗位"
        else:
            told = f"公益性岗位台账中该村{persons}人光伏收益岗位应发{_yuan(pay)}元"
        out.append(
            _finding(
                f"{slot['name']}{year}年光伏收益分配公益岗位支出{_yuan(wages)}元，{told}",
                f"pvwages:{rid}:{year}",
                region_id=rid,
                公益岗位支出=_yuan(wages),
                岗位台账应发=_yuan(pay),
            )
        )
    return out


def upkeep_payments(region: Any) -> list[dict[str, Any]] | None:
    """Payments of projects whose 支付内容 names 运维, from the `project_payments` ledger when it is
    installed (None when it is not): [{region_path, year, amount, content, project}]. Its columns
    are found by their headers, so this app need not import the projects app."""
    ledger = kit.ledgers().get("project_payments")
    if ledger is None:
        return None
    by_header = {c.header: c.key for c in ledger.fields}
    content, date = by_header.get("支付内容"), by_header.get("支付日期")
    if content is None or date is None:
        return None
    amount, project = by_header.get("金额"), by_header.get("项目编号")
    qs = ledger.model.objects.filter(**{f"{content}__contains": "运维"})
    if region is not None:
        qs = qs.below(region)
    fields = ["region__path", date, content, *(f for f in (amount, project) if f)]
    out = []
    for values in qs.values(*fields):
        if values[date] is None:
            continue
        out.append(
            {
                "region_path": values["region__path"],
                "year": values[date].year,
                "amount": values.get(amount) if amount else None,
                "content": values[content],
                "project": values.get(project, "") if project else "",
            }
        )
    return out


@check("L14", "光伏运维费用重复列支", "red")
def upkeep_paid_twice(region: Any) -> list[dict]:
    """光伏收益已列支运维费用，同村同年又从项目资金支付运维费用（项目资金支付的支付内容含
    “运维”），即重复列支运维管理费用。项目台账未安装时不检查。"""
    payments = upkeep_payments(region)
    if not payments:
        return []
    out = []
    rows = _below(PvIncomeRow, region).filter(upkeep__gt=0)
    for pk, rid, path, station, year, upkeep in rows.values_list(
        "pk", "region_id", "region__path", "station", "year", "upkeep"
    ):
        same = [p for p in payments if p["year"] == year and p["region_path"].startswith(path)]
        if not same:
            continue
        paid = "；".join(
            f"{p['project'] or '项目'}“{p['content']}”"
            + (f"{_yuan(p['amount'])}元" if p["amount"] is not None else "")
            for p in same
        )
        out.append(
            _finding(
                f"{station}{year}年光伏收益已列支运维费用{_yuan(upkeep)}元，"
                f"同年又从项目资金支付运维费用：{paid}",
                f"pv{pk}:upkeep",
                region_id=rid,
                运维费用=_yuan(upkeep),
            )
        )
    return out


# --------------------------------------------------------------------------- 小额信贷 (33)


def _live_loans(region: Any) -> QuerySet:
    return _below(LoanRow, region).exclude(repayment="已结清")


@check(
    "L21",
    "小额信贷金额超过贴息额度",
    "yellow",
    parameters={"max_amount": 50000, "top_up_amount": 100000},
)
def over_limit(region: Any, params: dict) -> list[dict]:
    """脱贫人口小额信贷5万元（含）以下享受贴息；可增至10万元，超出5万元部分不贴息。"""
    limit = Decimal(str(params.get("max_amount") or 50000))
    top = Decimal(str(params.get("top_up_amount") or 100000))
    rows = _live_loans(region).filter(amount__gt=limit)
    out = []
    for pk, hid, pid, name, number, amount, subsidy in rows.values_list(
        "pk", "household_id", "person_id", "person__name", "contract_no", "amount", "subsidy"
    ):
        if amount > top:
            told = f"超过{_yuan(top)}元上限"
        else:
            told = f"超过贴息额度{_yuan(limit)}元，超出部分不得贴息"
            if subsidy:
                told += f"（贴息{_yuan(subsidy)}元，请核实）"
        out.append(
            _finding(
                f"{name}贷款{number}金额{_yuan(amount)}元，{told}",
                f"loan{pk}:amount",
                household_id=hid,
                person_id=pid,
            )
        )
    return out


def _term_months(lent: dt.date | None, due: dt.date | None) -> int | None:
    if lent is None or due is None:
        return None
    months = (due.year - lent.year) * 12 + due.month - lent.month
    return months + (1 if due.day > lent.day else 0)


@check("L22", "小额信贷期限超过3年", "yellow", parameters={"max_months": 36})
def over_term(region: Any, params: dict) -> list[dict]:
    """脱贫人口小额信贷期限3年（含）以内（期限(月)，未填时按放款与到期日期计算）。"""
    most = int(params.get("max_months") or 36)
    rows = _live_loans(region).filter(
        Q(term_months__gt=most) | Q(term_months__isnull=True, due_date__isnull=False)
    )
    out = []
    for pk, hid, pid, name, number, term, lent, due in rows.values_list(
        "pk",
        "household_id",
        "person_id",
        "person__name",
        "contract_no",
        "term_months",
        "lent_date",
        "due_date",
    ):
        months = term or _term_months(lent, due)
        if months is None or months <= most:
            continue
        out.append(
            _finding(
                f"{name}贷款{number}期限{months}个月，超过{most}个月",
                f"loan{pk}:term",
                household_id=hid,
                person_id=pid,
            )
        )
    return out


@check(
    "L23", "小额信贷借款人年龄不在18—65周岁", "yellow", parameters={"min_age": 18, "max_age": 65}
)
def borrower_age(region: Any, params: dict) -> list[dict]:
    """借款人放款时须年满18周岁、不超过65周岁（含）。"""
    low, high = int(params.get("min_age") or 18), int(params.get("max_age") or 65)
    rows = _below(LoanRow, region).filter(lent_date__isnull=False, person__birth_date__isnull=False)
    out = []
    for pk, hid, pid, name, number, birth, lent in rows.values_list(
        "pk",
        "household_id",
        "person_id",
        "person__name",
        "contract_no",
        "person__birth_date",
        "lent_date",
    ):
        age = age_on(birth, lent)
        if low <= age <= high:
            continue
        out.append(
            _finding(
                f"{name}贷款{number}于{lent:%Y-%m-%d}放款时{age}岁，不在{low}—{high}周岁",
                f"loan{pk}:age",
                household_id=hid,
                person_id=pid,
                放款时年龄=age,
            )
        )
    return out


POOLED = ("户贷社用", "户贷企用")


def pooled_share(region: Any) -> list[dict[str, Any]]:
    """Per town (or the region itself below a town): the households that borrowed and those
    whose loans went to a cooperative or a company — seed 003 #5 "抽查的368户贷过扶贫小额信贷的
    农户中，有96户（26.09%）为户贷社用"."""
    units = Region.objects.filter(level=Region.Level.TOWN, retired=False)
    if region is not None:
        if region.level >= Region.Level.TOWN:
            units = Region.objects.filter(pk=region.pk)
        else:
            units = units.filter(path__startswith=region.path)
    unit_of = {r.path: r for r in units}
    borrowed: dict[int, set[int]] = defaultdict(set)
    pooled: dict[tuple[int, str], set[int]] = defaultdict(set)
    for hid, path, mode in _below(LoanRow, region).values_list(
        "household_id", "household__region__path", "use_mode"
    ):
        unit = next((u for p, u in unit_of.items() if (path or "").startswith(p)), None)
        if unit is None:
            continue
        borrowed[unit.pk].add(hid)
        if mode in POOLED:
            pooled[(unit.pk, mode)].add(hid)
    out = []
    for unit in sorted(unit_of.values(), key=lambda u: u.path):
        n = len(borrowed.get(unit.pk, ()))
        if not n:
            continue
        modes = {mode: len(pooled.get((unit.pk, mode), ())) for mode in POOLED}
        out.append({"region": unit, "households": n, "modes": modes})
    return out


def _pct(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.2f}"


@check("L24", "户贷社用、户贷企用占比", "yellow", parameters={"max_share_pct": 0})
def pooled_loans(region: Any, params: dict) -> list[dict]:
    """小额信贷应户借、户用、户还；各乡镇贷款农户中户贷社用、户贷企用的户数和占比超过设定比例
    （默认0，即有就提示）时列出，以便规范资金使用管理和风险防范。"""
    most = Decimal(str(params.get("max_share_pct") or 0))
    out = []
    for unit in pooled_share(region):
        n, modes = unit["households"], unit["modes"]
        total = sum(modes.values())
        if not total or Decimal(total * 100) / Decimal(n) <= most:
            continue
        parts = "、".join(f"{k}户（{_pct(k, n)}%）为{mode}" for mode, k in modes.items() if k)
        out.append(
            _finding(
                f"{unit['region'].name}贷过扶贫小额信贷的{n}户中，有{parts}",
                f"pooled:{unit['region'].pk}",
                region_id=unit["region"].pk,
                贷款户数=n,
                **{f"{mode}户数": k for mode, k in modes.items()},
            )
        )
    return out


def due_loans(region: Any, days: int, on: dt.date) -> LedgerQuerySet:
    """Loans 逾期, or not settled and due by `on` + `days` (past due included)."""
    soon = on + dt.timedelta(days=days)
    return _below(LoanRow, region).filter(
        Q(repayment="逾期") | (~Q(repayment="已结清") & Q(due_date__lte=soon))
    )


@check("L25", "小额信贷逾期或即将到期", "yellow", parameters={"due_days": 30})
def overdue_or_due(region: Any, params: dict) -> list[dict]:
    """逾期的贷款和30天内（天数可设）到期未结清的贷款，列给该户的帮扶联系人，提醒按时还款或
    办理续贷、展期。"""
    days = int(params.get("due_days") or 30)
    on = today()
    rows = list(
        due_loans(region, days, on).values_list(
            "pk",
            "household_id",
            "person_id",
            "person__name",
            "contract_no",
            "due_date",
            "repayment",
            "overdue_amount",
        )
    )
    contacts: dict[int, list[str]] = {}
    if rows and hooks.provided("assistance.contact_names"):
        contacts = hooks.call("assistance.contact_names", {r[1] for r in rows})
    out = []
    for pk, hid, pid, name, number, due, repayment, overdue in rows:
        if repayment == "逾期":
            told = "已逾期" + (f"，逾期金额{_yuan(overdue)}元" if overdue else "")
        elif due < on:
            told = f"已于{due:%Y-%m-%d}到期，尚未结清"
        else:
            told = f"将于{due:%Y-%m-%d}到期（{(due - on).days}天后）"
        who = "、".join(contacts.get(hid, [])) or "未指定"
        out.append(
            _finding(
                f"{name}贷款{number}{told}；帮扶联系人：{who}",
                f"loan{pk}:due",
                household_id=hid,
                person_id=pid,
                帮扶联系人=who,
                到期日期=f"{due:%Y-%m-%d}" if due else "",
            )
        )
    return out
