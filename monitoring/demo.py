"""监测识别 in the demo county: leads from every channel (some to verify, some not taken up),
identification cases standing at every step — some on time, some due (orange), some overdue
(red) — one village's 公示 running, and 风险消除 cases pending, all dated from today so that the
home pages have work due now.

Leads and cases are opened through the services; the steps already done are written as the
procedure leaves them (done, dated, with the figures of 入户核查) instead of uploading
materials for each, which would only slow the build.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from core import codes
from monitoring import services
from monitoring.assessment import income_window
from monitoring.models import Case, CaseLog, CaseStep, DeadlinePolicy, StepCode
from regions.models import Region
from registry.models import Household

# Lead descriptions per channel (what a clerk would write).
STORIES = {
    "农户自主申报": ("因病", "家中老人住院，自付医疗费用较多，申请纳入监测"),
    "基层干部排查": ("因务工就业不稳", "户主务工企业停产，近三个月无稳定收入"),
    "部门筛查预警": ("因病", "医保部门推送：今年累计个人自付医疗费用较高"),
    "集中排查": ("因学", "两个子女在读高中，家庭教育支出大"),
    "社会监督": ("因意外事故", "群众反映该户户主务工受伤，暂无劳动能力"),
    "平台监测分析": ("因自然灾害", "平台比对发现该户房屋在汛期受损"),
}
SURNAMES = "刘陈王李张黄胡柯石吴"
GIVEN = "建华秀英国强春梅德明海燕"


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    """Leads and cases of the demo county; the counts made."""
    rng = random.Random(f"{seed}/monitoring")
    admin = User.objects.filter(role="county_admin").order_by("pk").first()
    grid = User.objects.filter(role="grid_member").order_by("pk").first()
    if admin is None or grid is None or grid.region is None:
        raise RuntimeError("演示县还没有县级管理员和网格员账号，无法生成监测识别数据")
    home = grid.region  # the village of the demo village and grid logins
    town = home.parent or home
    ordinary = list(
        Household.objects.filter(region__path__startswith=county.path, category="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(ordinary)
    near = list(
        Household.objects.filter(region__path__startswith=town.path, category="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    at_home = list(
        Household.objects.filter(region__path__startswith=home.path, category="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    taken: set[int] = set()

    def pick(pool: list[int]) -> Household:
        for pk in pool + ordinary:
            if pk not in taken:
                taken.add(pk)
                return Household.objects.get(pk=pk)
        raise RuntimeError("演示县户数太少")

    leads = _leads(admin, grid, home, pick, at_home, as_of, rng)
    cases = _identifications(admin, home, pick, at_home, near, as_of, rng)
    cases += _eliminations(admin, county, home, town, as_of, rng)
    services.mark_overdue(on=as_of)
    return {"leads": leads + cases, "cases": cases}


def _leads(admin, grid, home, pick, at_home, as_of, rng) -> int:  # type: ignore[no-untyped-def]
    """Two leads per channel: one in the home village waiting to be verified, one elsewhere
    (some of those not taken up, with the reason)."""
    made = 0
    for n, source in enumerate(codes.LEAD_SOURCES):
        risk, story = STORIES.get(source, ("其他", "反映家庭困难"))
        for where in ("home", "other"):
            reported = as_of - dt.timedelta(days=rng.randint(0, 6))
            actor = grid if source == "基层干部排查" and where == "home" else admin
            if source in ("农户自主申报", "社会监督") and where == "other":
                # A person not in the register yet: name, ID number and phone only.
                village = Region.objects.filter(level=Region.Level.VILLAGE).order_by("path")[5 + n]
                lead = services.create_lead(
                    actor=actor,
                    source=source,
                    reported_date=reported,
                    region=village,
                    risks=[risk],
                    description=story,
                    person_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    id_number="",
                    phone=f"139{rng.randint(10000000, 99999999)}",
                    reporter_name="村民" if source == "社会监督" else "",
                )
            else:
                household = pick(at_home if where == "home" else [])
                lead = services.create_lead(
                    actor=actor,
                    source=source,
                    reported_date=reported,
                    household=household,
                    risks=[risk],
                    description=story,
                )
            made += 1
            if where == "other" and n % 3 == 2:
                services.dismiss_lead(
                    actor=admin, lead=lead, reason="经核实，该户收入稳定，无返贫致贫风险"
                )
    return made


# How far past (+) or before (-) the open step's due date each variant stands.
VARIANTS = {"red": 3, "orange": -1, "ok": -5}


def _identifications(admin, home, pick, at_home, near, as_of, rng) -> int:  # type: ignore[no-untyped-def]
    """Identification cases at every step, each as red, orange and on time; the home village
    gets those of the village's steps, its town those of 乡镇审核."""
    policy = DeadlinePolicy.current()
    made = 0
    for step in services.STEPS[Case.Kind.IDENTIFY]:
        for variant, late in VARIANTS.items():
            if step == StepCode.NOTICE and variant == "ok":
                continue  # the running 公示 below
            pool = at_home if step in ("visit", "compare", "review", "notice") else near
            household = pick(pool)
            start = as_of - dt.timedelta(days=max(0, policy.days_for(step) + late))
            risk, story = STORIES[rng.choice(list(STORIES))]
            lead = services.create_lead(
                actor=admin,
                source="基层干部排查",
                reported_date=start,
                household=household,
                risks=[risk],
                description=story,
            )
            case = services.open_case(actor=admin, lead=lead, on=as_of)
            _advance(case, step, admin, as_of, rng)
            made += 1
    # 公示 running in the home village: started two days ago, five days long.
    household = pick(at_home)
    lead = services.create_lead(
        actor=admin,
        source="农户自主申报",
        reported_date=as_of - dt.timedelta(days=9),
        household=household,
        risks=["因病"],
        description=STORIES["农户自主申报"][1],
    )
    case = services.open_case(actor=admin, lead=lead, on=as_of)
    _advance(case, StepCode.NOTICE, admin, as_of, rng)
    Case.objects.filter(pk=case.pk).update(
        notice_start=as_of - dt.timedelta(days=2), notice_end=as_of + dt.timedelta(days=2)
    )
    return made + 1


def _eliminations(admin, county, home, town, as_of, rng) -> int:  # type: ignore[no-untyped-def]
    """风险消除 pending: 监测户 monitored for over half a year, at 入户核查, 评议 and 乡镇审核."""
    candidates = list(
        Household.objects.filter(
            region__path__startswith=county.path,
            risk_eliminated=False,
            no_labour=False,
        )
        .exclude(category="")
        .select_related("region")
        .order_by("pk")
    )
    # Monitored for over half a year first (policy rule 21), those of the home town first among
    # them (so that its logins see them); a small county takes whom it has.
    half_year = as_of - dt.timedelta(days=200)
    candidates.sort(
        key=lambda h: (
            not (h.identified_date and h.identified_date <= half_year),
            not h.region.path.startswith(town.path),
            h.pk,
        )
    )
    made = 0
    for household, (step, ago) in zip(
        candidates, (("visit", 1), ("review", 6), ("town", 16), ("visit", 5)), strict=False
    ):
        if Case.objects.open().filter(household=household).exists():
            continue
        case = services.open_household_case(
            actor=admin,
            household=household,
            kind=Case.Kind.ELIMINATE,
            on=as_of - dt.timedelta(days=ago),
        )
        Case.objects.filter(pk=case.pk).update(elimination_method="帮扶消除")
        _advance(case, step, admin, as_of, rng)
        made += 1
    return made


def _advance(case: Case, upto: str, actor: Any, as_of: dt.date, rng: random.Random) -> None:
    """Mark the steps before `upto` done (dated between the start and today) and open `upto`."""
    steps = list(case.steps.order_by("order"))
    now = timezone.now()
    on = case.start_date
    facts: dict[str, Any] = {}
    for step in steps:
        if step.code == upto:
            break
        on = min(max(on, step.due_date - dt.timedelta(days=1)), as_of)
        step.status, step.decision, step.done_on = CaseStep.Status.DONE, services.PASS, on
        step.completed_by, step.completed_at, step.note = actor, now, "演示数据"
        step.alert = ""
        step.save()
        CaseLog.objects.create(
            case=case, actor=actor, step=step.code, action="完成", decision=services.PASS,
            note=f"{on:%Y-%m-%d}办理",
        )  # fmt: skip
        if step.code == StepCode.VISIT:
            start, end = income_window(on)
            members = max(case.members_counted or 1, 1)
            facts.update(
                consent="confirmed",
                window_start=start,
                window_end=end,
                wage=Decimal(rng.randint(2000, 6000) * members),
                business=Decimal(rng.randint(0, 1500)),
                property_income=Decimal(0),
                transfer=Decimal(rng.randint(500, 2500)),
                business_cost=Decimal(0),
                claims=Decimal(0),
                compliant_spending=Decimal(rng.randint(0, 3000)),
                members_counted=members,
            )
        if step.code == StepCode.NOTICE:
            facts.update(notice_start=on - dt.timedelta(days=5), notice_end=on)
    current = next(s for s in steps if s.code == upto)
    current.status = CaseStep.Status.OPEN
    current.save(update_fields=["status"])
    Case.objects.filter(pk=case.pk).update(
        current_step=current.code, due_date=current.due_date, **facts
    )
