"""Decision support (policy rules 1–8, 16–17, 21–24): the figures and warnings a reviewer sees.

Identification warnings are never hard blocks — the threshold is a reference line (rule 4) — but
each must be acknowledged by the reviewer. Elimination criteria (rules 21–24, the year's
EliminationPolicy) block the step unless a county admin overrides them with a stated reason;
整户无劳动能力 always bars an elimination (rule 22).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q

from core import codes

# The income method is shared with 民政's 低收入人口 (core.income); re-exported for callers here.
from core.income import (  # noqa: F401
    FORMULA_NAMES,
    Income,
    evaluate_formula,
    household_income,
    net_income,
)
from monitoring.models import Case, DeadlinePolicy, EliminationPolicy, PolicyThreshold
from regions.models import Region


def income_window(on: dt.date) -> tuple[dt.date, dt.date]:
    """Rule 6: from the 1st of the same month last year to the end of the month before `on`."""
    start = dt.date(on.year - 1, on.month, 1)
    end = on.replace(day=1) - dt.timedelta(days=1)
    return start, end


def threshold_for(region: Region | None, on: dt.date) -> PolicyThreshold | None:
    """The 监测范围 in force on `on`: the latest effective row of the province or of a region
    above `region` (a county's own line beats the province's line of the same date)."""
    qs = PolicyThreshold.objects.filter(
        province=settings.FANGPIN_PROVINCE, effective_date__lte=on
    ).select_related("region")
    covering = Q(region__isnull=True)
    if region is not None:
        ids = [int(x) for x in region.path.strip("/").split("/") if x]
        covering |= Q(region_id__in=ids)
    rows = list(qs.filter(covering))
    if not rows:
        return None
    return max(rows, key=lambda t: (t.effective_date, t.region_id is not None))


def income_of(case: Case, policy: DeadlinePolicy | None = None) -> Income:
    """Rules 7–8 through the method shared with 民政 (core.income)."""
    net = net_income(
        case.wage, case.business, case.property_income, case.transfer, case.business_cost
    )
    if net is None or not case.members_counted:
        return Income()
    return household_income(
        net=net,
        members=case.members_counted,
        claims=case.claims,
        spending=case.compliant_spending,
        formula=(policy or DeadlinePolicy.current()).after_spending_formula,
    )


@dataclass
class Assessment:
    """What the facts say: figures, the line used, the category they point to, warnings."""

    income: Income
    threshold: PolicyThreshold | None
    suggested: str = ""
    reason: str = ""
    warnings: list[tuple[str, str]] = field(default_factory=list)
    criteria: list[tuple[str, bool, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    firm: list[str] = field(default_factory=list)  # failed criteria no override lets through
    blocked: str = ""

    @property
    def threshold_label(self) -> str:
        return self.threshold.label() if self.threshold else "未配置监测范围"

    @property
    def overridable(self) -> list[str]:
        """The labels of the failed criteria a county override may let through."""
        return [
            label
            for label, ok, _ in self.criteria
            if not ok and not label.startswith(NEVER_OVERRIDDEN)
        ]


def _money(v: Decimal | None) -> str:
    return "—" if v is None else f"{v:,.2f} 元"


def assess_identification(
    case: Case, *, category: str = "", members: list[Any] | None = None, on: dt.date
) -> Assessment:
    """Rules 1–4 and 16–17 for an identification case; `category` is the one proposed."""
    income = income_of(case)
    line = threshold_for(case.region, on)
    a = Assessment(income, line)
    risks = case.risk_list
    warn = a.warnings.append
    if line is None:
        warn(("rule3", "未配置本年度监测范围，无法对照收入（请县级管理员在“政策设置”中填写）"))
    if income.per_capita is None:
        warn(("income", "尚未录入前12个月收入，无法计算人均纯收入"))
    elif line is not None:
        amount = line.amount
        if income.per_capita <= amount:
            a.suggested = "脱贫不稳定户" if case.is_alleviated else "边缘易致贫户"
            a.reason = f"人均纯收入 {_money(income.per_capita)} 不高于{line.label()}"
        elif income.after_spending is not None and income.after_spending <= amount:
            a.suggested = "突发严重困难户"
            a.reason = f"扣除合规自付支出后人均 {_money(income.after_spending)} 不高于监测范围"
        elif case.sudden_hardship:
            a.suggested = "突发严重困难户"
            a.reason = "收入高于监测范围，但收入骤减或刚性支出骤增，基本生活出现严重困难"
        else:
            a.reason = (
                f"人均纯收入 {_money(income.per_capita)} 及扣除刚性支出后人均 "
                f"{_money(income.after_spending)} 均高于监测范围，且无突发严重困难"
            )
        if category in ("脱贫不稳定户", "边缘易致贫户") and income.per_capita > amount:
            warn(
                (
                    "rule2",
                    f"拟认定为{category}，但人均纯收入 {_money(income.per_capita)} "
                    f"高于{line.label()}",
                )
            )
        if (
            category == "突发严重困难户"
            and income.after_spending is not None
            and income.after_spending > amount
            and not case.sudden_hardship
        ):
            warn(
                (
                    "rule2s",
                    "拟认定为突发严重困难户，但扣除刚性支出后人均收入仍高于监测范围，"
                    "且未记录收入骤减或刚性支出骤增",
                )
            )
    if category == "脱贫不稳定户" and not case.is_alleviated:
        warn(("rule1", "脱贫不稳定户只能是脱贫户，该户为一般农户"))
    if category == "边缘易致贫户" and case.is_alleviated:
        warn(("rule1", "边缘易致贫户只能是一般农户，该户为脱贫户"))
    if not risks:
        warn(("rule4", "未选择风险类型：监测范围只是参考线，纳入还需有返贫致贫风险的研判"))
    _member_rules(case, risks, members, warn)
    implied = [
        (case.water_unsafe, "因安全饮水", "饮水出现安全问题"),
        (case.uninsured, "因病", "有家庭成员未参加基本医疗保险"),
        (case.housing_unsafe, "因安全住房", "住房出现安全问题"),
        (case.dropout, "因学", "有义务教育阶段适龄儿童少年失学辍学"),
    ]
    for answer, risk, text in implied:
        if answer and risk not in risks:
            warn(("rule17", f"三保障和饮水状况为“{text}”，但风险类型没有{risk}"))
    return a


def _member_rules(case: Case, risks: list[str], members: list[Any] | None, warn: Any) -> None:
    """Rule 16: risks must agree with the members' labour and health."""
    if "因病" in risks and not case.compliant_spending:
        warn(("rule16", "风险为因病，但合规自付支出为0"))
    if not members:
        return
    with_labour = [m for m in members if m.labour_skill in codes.DEVELOPMENTAL_LABOUR]
    if "因务工就业不稳" in risks and not with_labour:
        warn(("rule16", "风险为因务工就业不稳，但家庭成员均无劳动能力"))
    if "因病" in risks and not any(
        {"患有大病", "长期慢性病"} & set(codes.split_multi(m.health)) for m in members
    ):
        warn(("rule16", "风险为因病，但没有患大病或长期慢性病的家庭成员"))
    if "缺劳动力" in risks and len(with_labour) * 2 > len(members):
        warn(("rule16", f"风险为缺劳动力，但{len(members)}人中有{len(with_labour)}人有劳动能力"))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end`."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


@dataclass
class EliminationFacts:
    """What the register and assistance say about a household at an elimination step."""

    identified: dt.date | None
    green_channel: bool
    measures: list[tuple[str, dt.date | None]]  # (category, start date) carried out by `on`
    incomes: dict[int, Decimal]  # 人均纯收入 per year from the income records
    no_labour: bool


def assess_elimination(
    case: Case, *, facts: EliminationFacts, policy: EliminationPolicy, on: dt.date
) -> Assessment:
    """Rules 21–24 with the year's conditions: each criterion with its result. A failed one
    blocks the step (`Assessment.failed`) unless a county admin has overridden it; 整户无劳动能力
    always bars it (rule 22)."""
    income = income_of(case)
    line = threshold_for(case.region, on)
    a = Assessment(income, line)
    natural = case.elimination_method == "自然消除"
    need_months = (
        policy.natural_min_months
        if natural
        else policy.green_min_months
        if facts.green_channel
        else policy.min_months
    )
    need_measures = policy.natural_min_measures if natural else policy.min_measures
    months = months_between(facts.identified, on) if facts.identified else 0
    which = "自然消除" if natural else "绿色通道识别" if facts.green_channel else "帮扶消除"
    stable_ok, stable_detail = _stable_income(case, facts, policy.stable_months, on)
    secured = [case.housing_unsafe, case.dropout, case.water_unsafe, case.uninsured]
    a.criteria = [
        (
            f"识别已满{need_months}个月",
            facts.identified is not None and months >= need_months,
            f"识别监测时间 {facts.identified or '—'}，至{on:%Y-%m-%d}已 {months} 个月（{which}）",
        ),
        (
            f"至少已落实{need_measures}项帮扶措施",
            len(facts.measures) >= need_measures,
            f"已落实 {len(facts.measures)} 项"
            + (f"：{'、'.join(c for c, _ in facts.measures)}" if facts.measures else ""),
        ),
        *_targeted(case.risk_list, facts.measures, need_measures),
        (
            f"收入稳定超过监测范围（近{policy.stable_months}个月）",
            stable_ok,
            stable_detail,
        ),
        ("大额刚性支出已稳定解决", bool(case.rigid_spending_resolved), "入户核查时确认"),
        (
            "三保障和饮水安全有保障",
            all(x is False for x in secured),
            "住房、义务教育、饮水、基本医疗保险四项均须答“否”",
        ),
        ("非整户无劳动能力户", not facts.no_labour, "整户无劳动能力兜底保障户暂不标注风险消除"),
    ]
    a.failed = [f"{label}（{detail}）" for label, ok, detail in a.criteria if not ok]
    if case.elimination_method == "帮扶消除" and facts.identified and months <= 2:
        a.warnings.append(("rule24", "帮扶消除距识别不足2个月"))
    # Rule 22: never marked while income is unstable, 刚性支出 uncontrolled or 三保障 unsecured —
    # no county override lets these through (the months and measures may be overridden).
    a.firm = [
        f"{label}（{detail}）"
        for label, ok, detail in a.criteria
        if not ok and label.startswith(NEVER_OVERRIDDEN)
    ]
    if facts.no_labour:
        a.blocked = "该户为整户无劳动能力户，不能标注风险消除（政策规则22）"
    return a


def firm_message(firm: list[str]) -> str:
    """The refusal of rule-22 criteria, which no override lets through."""
    return (
        "不符合风险消除条件：" + "；".join(firm) + "。收入不稳定、大额刚性支出未解决或"
        "三保障和饮水安全未保障的，不能标注风险消除，县级也不能放行（政策规则22）"
    )


# The criteria of rule 22 that no override lets through (by the start of their label).
NEVER_OVERRIDDEN = ("收入稳定超过监测范围", "大额刚性支出已稳定解决", "三保障和饮水安全有保障")


def _targeted(
    risks: list[str], measures: list[tuple[str, dt.date | None]], need: int
) -> list[tuple[str, bool, str]]:
    """Policy.md §4.3 (rule 21, with rule 18's pairs): a measure carried out that answers each
    risk that has answering measures — 因病 wants 健康帮扶 or 社会帮扶, not any measure. No
    criterion when the year asks no measure (a 自然消除 so configured) or no risk has a pair."""
    if need <= 0:
        return []
    done = {category for category, _ in measures}
    wanted = {r: codes.RISK_MEASURES[r] for r in risks if r in codes.RISK_MEASURES}
    if not wanted:
        return []
    missing = [r for r, cats in wanted.items() if not done & set(cats)]
    detail = "；".join(
        f"风险“{r}”应有{'、'.join(wanted[r])}之一" + ("，尚未落实" if r in missing else "，已落实")
        for r in wanted
    )
    return [("帮扶措施针对风险", not missing, detail)]


def _stable_income(
    case: Case, facts: EliminationFacts, months: int, on: dt.date
) -> tuple[bool, str]:
    """Every year the last `months` months touch has an income record above that year's line.

    The incomes entered at this case's 入户核查 count as the record of the year their window ends
    in (they become that record when the step is done).
    """
    incomes = dict(facts.incomes)
    own = income_of(case).per_capita
    if own is not None:
        incomes[(case.window_end or income_window(on)[1]).year] = own
    first = add_months(on, -months).year
    years = [y for y in range(first, on.year + 1) if y in incomes]
    if not years:
        return False, f"{first}—{on.year}年没有收入记录"
    parts, ok = [], True
    for year in years:
        line = threshold_for(case.region, min(dt.date(year, 12, 31), on))
        above = line is not None and incomes[year] > line.amount
        ok = ok and above
        shown = f"{line.amount:,.0f} 元" if line is not None else "未配置"
        verb = "高于" if above else "未高于"
        parts.append(f"{year}年人均 {_money(incomes[year])}{verb}监测范围 {shown}")
    return ok, "；".join(parts)
