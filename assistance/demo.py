"""帮扶走访 in the demo county, through the services: a 帮扶联系人 and 一户一策 measures for
every 监测户, visits of every 监测户 and 脱贫户 (some overdue), and a 集中排查 running in the
town of the demo logins, partly done (one answer opening a lead), the rest waiting for its
网格员."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q

from accounts.models import User
from assistance import services
from assistance.models import Campaign, Measure, Screening, VisitRule
from core import codes
from regions.models import Region
from registry.models import Household

SURNAMES = "刘陈王李张黄胡柯石吴周徐曹汪程董"
GIVEN = "建国志强海波丽华晓明春燕国庆红梅文军"
UNITS = ("市农业农村局", "市人社局", "市卫健局", "县供电公司", "县农商行", "镇政府")
SUBTYPES = {
    "产业帮扶": "发展特色种养殖（油茶、小龙虾）",
    "就业帮扶": "推荐到县内企业务工",
    "金融帮扶": "小额信贷5万元",
    "公益岗位帮扶": "乡村保洁公益性岗位",
    "健康帮扶": "家庭医生签约、慢病门诊报销",
    "综合保障": "纳入农村低保",
    "义务教育保障": "落实义务教育资助",
    "教育帮扶": "雨露计划职业教育补助",
    "住房安全保障": "危房改造",
    "饮水安全保障": "接通自来水",
    "社会帮扶": "结对帮扶慰问",
}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}/assistance")
    admin = User.objects.filter(role="county_admin").order_by("pk").first()
    grid = User.objects.filter(role="grid_member").order_by("pk").first()
    if admin is None or grid is None or grid.region is None:
        raise RuntimeError("演示县还没有县级管理员和网格员账号，无法生成帮扶走访数据")
    home = grid.region
    monitored = list(
        Household.objects.filter(region__path__startswith=county.path)
        .exclude(category="")
        .select_related("region")
        .order_by("pk")
    )
    contacts = measures = 0
    for h in monitored:
        start = max(h.identified_date or as_of, as_of - dt.timedelta(days=700))
        if h.region.path.startswith(home.path):
            services.assign_contact(actor=admin, household=h, start_date=start, user=grid)
        else:
            services.assign_contact(
                actor=admin,
                household=h,
                start_date=start,
                name=_name(rng),
                unit=rng.choice(UNITS),
                phone=f"138{rng.randint(10000000, 99999999)}",
            )
        contacts += 1
        wanted = [c for r in h.risk_list for c in codes.RISK_MEASURES.get(r, ())][:1]
        wanted.append(rng.choice(codes.DEVELOPMENTAL_MEASURES))
        for category in dict.fromkeys(wanted):
            begun = min(start + dt.timedelta(days=rng.randint(5, 40)), as_of)
            done = h.risk_eliminated
            services.save_measure(
                actor=admin,
                household=h,
                category=category,
                subtype=SUBTYPES.get(category, ""),
                responsible=_name(rng),
                start_date=begun,
                end_date=max(h.eliminated_date or as_of, begun) if done else None,
                status=Measure.Status.DONE if done else Measure.Status.ONGOING,
            )
            measures += 1
    visits = _visits(admin, grid, home, county, as_of, rng)
    screenings = _campaign(admin, grid, home, as_of, rng)
    return {
        "contacts": contacts,
        "measures": measures,
        "visits": visits,
        "screenings": screenings,
    }


def _visits(admin, grid, home, county, as_of, rng) -> int:  # type: ignore[no-untyped-def]
    """Every 监测户 and 脱贫户 visited; one in six last visited longer ago than its interval
    (the home village's first of each kind among them, so the 网格员 has visits due)."""
    intervals = dict(VisitRule.objects.values_list("target", "interval_days"))
    households = (
        Household.objects.filter(region__path__startswith=county.path)
        .filter(Q(is_alleviated=True) | Q(category__gt=""))
        .select_related("region")
        .order_by("pk")
    )
    made = 0
    overdue_at_home = 0
    for h in households:
        if h.category and not h.risk_eliminated:
            every = intervals.get("monitored", 30)
        elif h.category:
            every = intervals.get("eliminated", 90)
        else:
            every = intervals.get("alleviated", 90)
        at_home = h.region.path.startswith(home.path)
        late = rng.random() < 1 / 6 or (at_home and overdue_at_home < 2)
        overdue_at_home += at_home and late
        ago = every + rng.randint(3, 40) if late else rng.randint(1, max(2, every - 5))
        services.record_visit(
            actor=grid if at_home else admin,
            household=h,
            date=as_of - dt.timedelta(days=ago),
            notes="了解家庭收入和帮扶措施落实情况",
            talked=True,
            measures_reviewed=True,
            data_verified=rng.random() < 0.8,
            environment_tidied=rng.random() < 0.5,
        )
        made += 1
    return made


def _campaign(admin, grid, home, as_of, rng) -> int:  # type: ignore[no-untyped-def]
    """集中排查 over the home town, started ten days ago: most villages half done, the home
    village's households waiting for its 网格员 (one done, with a risk that opened a lead)."""
    town = home.parent or home
    campaign = services.create_campaign(
        actor=admin,
        name=f"{as_of.year}年防返贫集中排查",
        start_date=as_of - dt.timedelta(days=10),
        end_date=as_of + dt.timedelta(days=20),
        regions=[town],
    )
    villages = list(Region.objects.filter(parent=town, level=Region.Level.VILLAGE).order_by("sort"))
    assigned = 0
    for village in villages:
        assigned += services.assign_screenings(
            actor=admin,
            campaign=campaign,
            village=village,
            scope="key",
            cadre=grid if village.pk == home.pk else None,
        )
    sections = Campaign.objects.get(pk=campaign.pk).sections
    for n, screening in enumerate(
        Screening.objects.filter(campaign=campaign).select_related("village").order_by("pk")
    ):
        at_home = screening.village_id == home.pk
        if at_home and n % 4 != 0:
            continue  # left for the 网格员
        if not at_home and rng.random() < 0.45:
            continue
        risky = at_home or rng.random() < 0.1
        for index, section in enumerate(sections):
            answers = {
                q["key"]: (
                    q["risk_answer"]
                    if risky and index == 2 and q["key"] == "medical_cost"
                    else next(o for o in q["options"] if o != q.get("risk_answer"))
                )
                for q in section["questions"]
            }
            services.save_screening_section(
                actor=grid if at_home else admin,
                screening=screening,
                section=index,
                answers=answers,
                today=as_of - dt.timedelta(days=rng.randint(0, 8)),
            )
    return assigned
