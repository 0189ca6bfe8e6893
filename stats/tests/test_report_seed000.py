"""Seed 000's whole year, drafted: the register of 金山店镇 (stats/tests/seed000.py), its leads,
procedures and 集中排查, membership changes, the 责任落实 ledgers and the 医保 and 民政 batches,
then `fangpin report work-summary`, read back with python-docx.

Seed 000's section 四 splits the year's 7户19人 as 2户9人 through the villages' own work and 5户10人
through the May 集中排查, with categories that contradict its section 一 (一 needs 4 of the 7 to be
突发严重困难户 with 14人; 四 names 3 with 7人). This test keeps section 一 and the seed's totals of
四 (819 leads; 2户 + 5户 = 7户19人); the split is the register's (2户8人 and 5户11人).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import docx
import pytest
from django.core.management import call_command
from docx.shared import Mm

from assistance.models import Campaign, Screening
from core.idnumber import make_valid
from duty.tests.helpers import inspection, load, measure, member
from exchange import services as exchange_services
from exchange.engine import _SNAPSHOTS
from exchange.readers import SOURCES
from fangpin.testing import make_user
from monitoring.models import Case, Lead
from regions.models import Region
from regions.services import create_region
from registry.models import Household, HouseholdEvent, Membership, Person
from stats.tests import seed000

TODAY = dt.date(2023, 12, 18)


@pytest.fixture
def data_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    _SNAPSHOTS.clear()
    return settings.DATA_DIR


def _csv(path: Path, source: str, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SOURCES[source].headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in SOURCES[source].headers])
    return path


def _valid_ids(persons: list[Person], first: int = 0) -> list[Person]:
    """Give these persons real-looking ID numbers (the department files need them)."""
    for i, person in enumerate(persons, first):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i)
        person.id_number = make_valid(f"420281{birth:%Y%m%d}012")
    Person.objects.bulk_update(persons, ["id_number"], batch_size=500)
    return persons


def build_year(tmp_path: Path) -> dict[str, Any]:
    seed = seed000.build()
    town: Region = seed["town"]
    villages: list[Region] = seed["villages"]
    admin = make_user("county", "county_admin", seed["county"])
    Person.objects.update(medical_insurance=True)

    # The year's identifications: two through the villages' own work, five by the 集中排查.
    identified = list(
        HouseholdEvent.objects.filter(
            kind="identified", date__year=2023, date__lte=seed000.AS_OF
        ).order_by("category", "household_id")
    )
    assert len(identified) == 7
    by_village = [e for e in identified if e.category == "突发严重困难户"][:2]
    by_screening = [e for e in identified if e not in by_village]
    # The screening was held in May; its households were identified in June.
    HouseholdEvent.objects.filter(pk__in=[e.pk for e in by_screening]).update(
        date=dt.date(2023, 6, 20)
    )
    village = villages[0]
    leads = []
    for source, n in (("农户自主申报", 14), ("基层干部排查", 700), ("部门筛查预警", 100)):
        leads += [
            Lead(region=village, source=source, reported_date=dt.date(2023, 1 + i % 10, 3))
            for i in range(n)
        ]
    Lead.objects.bulk_create(leads)
    first = list(Lead.objects.filter(source="基层干部排查").order_by("pk")[:2])
    for lead, event in zip(first, by_village, strict=True):
        Lead.objects.filter(pk=lead.pk).update(household_id=event.household_id, status="closed")
        Case.objects.create(
            kind=Case.Kind.IDENTIFY,
            status=Case.Status.APPROVED,
            region=village,
            household_id=event.household_id,
            lead=lead,
            start_date=lead.reported_date,
            category=event.category,
            decision_date=event.date,
        )
    campaign = Campaign.objects.create(
        name="2023年防返贫集中排查", start_date=dt.date(2023, 5, 4), end_date=dt.date(2023, 5, 31)
    )
    campaign.regions.add(town)
    households = list(
        Household.objects.filter(region__in=villages).values_list("pk", "region_id", "member_count")
    )
    Screening.objects.bulk_create(
        Screening(
            campaign=campaign,
            household_id=hid,
            village_id=rid,
            persons=n,
            done=True,
            done_date=dt.date(2023, 5, 20),
        )
        for hid, rid, n in households
    )
    for event in by_screening:
        screening = Screening.objects.get(campaign=campaign, household_id=event.household_id)
        lead = Lead.objects.create(
            region=village,
            household_id=event.household_id,
            source="集中排查",
            reported_date=dt.date(2023, 5, 20),
            status="closed",
            origin=f"assistance.screening:{screening.pk}",
        )
        Screening.objects.filter(pk=screening.pk).update(risks="因病", lead=lead)
        Case.objects.create(
            kind=Case.Kind.IDENTIFY,
            status=Case.Status.APPROVED,
            region=village,
            household_id=event.household_id,
            lead=lead,
            start_date=lead.reported_date,
            category=event.category,
            decision_date=dt.date(2023, 6, 20),
        )

    # 自然增加5人 (born this year, members on the day) and 自然减少11户25人 (gone before it).
    alleviated = list(
        HouseholdEvent.objects.filter(kind="alleviated").values_list("household_id", flat=True)
    )
    born = Membership.objects.filter(household_id__in=alleviated[:5]).order_by("pk")
    born_ids = [born.filter(household_id=h).first().pk for h in alleviated[:5]]  # type: ignore[union-attr]
    Membership.objects.filter(pk__in=born_ids).update(
        start_date=dt.date(2023, 4, 1), start_reason="出生"
    )
    serial = itertools.count(1)
    for k, hid in enumerate(alleviated[10:21]):
        for _ in range(3 if k < 3 else 2):  # 3×3 + 8×2 = 25
            n = next(serial)
            person = Person.objects.create(
                household_id=hid, name=f"离开{n}", id_number=f"GONE{n:014d}", is_member=False
            )
            Membership.objects.create(
                person=person,
                household_id=hid,
                end_date=dt.date(2023, 7, 1),
                end_reason="死亡" if n % 2 else "迁出",
            )

    # 二、责任落实: the 责任落实 ledgers as the town keeps them (seed 000).
    rows: list[dict[str, Any]] = []
    numbers = itertools.count(1)

    def problems(n: int, source: str, category: Any) -> None:
        for k in range(n):
            number = f"J{next(numbers):03d}"
            cat = category(k) if callable(category) else category
            for no in (1, 2):
                rows.append(
                    measure(
                        number,
                        no,
                        乡镇="金山店镇",
                        行政村="",
                        问题来源=source,
                        问题类别=cat,
                        状态="已完成",
                        整改时限="2023-06-30",
                    )
                )

    problems(13, "省后评估", lambda k: ["两不愁三保障", "监测帮扶", "产业就业"][k % 3])
    problems(9, "国家考核", "巩固成果")
    problems(2, "自查", "乡村振兴领域不正之风和腐败问题专项整治")
    problems(3, "督查", "乡村振兴领域不正之风和腐败问题专项整治")
    assert load("rectification", rows, tmp_path, admin)["status"] == "imported"
    records = []
    for month in range(1, 13):
        # By 14 November the twelfth tip and inspection were done too (seed 000).
        day = f"2023-{month:02d}" if month <= 11 else "2023-11"
        records.append(inspection(f"{day}-02" if month <= 11 else "2023-11-12", "工作提示"))
        records.append(inspection(f"{day}-10" if month <= 11 else "2023-11-13", "纪律督查"))
        if month <= 11:
            records.append(inspection(f"2023-{month:02d}-05", "学习"))
            records.append(inspection(f"2023-{month:02d}-06", "例会", 行政村="朝阳村"))
    assert load("inspections", records, tmp_path, admin, "i.xlsx")["status"] == "imported"
    team = [
        member("张队长", 驻村开始日期="2021-06-01", 驻村结束日期="2023-08-15", 队内职务="队长"),
        member("李队长", 驻村开始日期="2023-08-16", 队内职务="队长"),
        member("王书记", 驻村开始日期="2021-06-01", 队内职务="第一书记"),
    ]
    assert load("work_teams", team, tmp_path, admin, "t.xlsx")["status"] == "imported"

    # 医保 and 民政 batches: 351 / 143 / 639 人次; 149 特困, 404户低保, 309 临时救助 …
    people = _valid_ids(list(Person.objects.filter(is_member=True).order_by("pk")[:760]))
    heads = _valid_ids(
        list(
            Person.objects.filter(is_member=True, relation="户主")
            .exclude(pk__in=[p.pk for p in people])
            .order_by("household_id")[:404]
        ),
        first=1000,
    )
    med = []
    for i in range(351 + 143 + 639):
        p = people[i % 50]
        kind, assist, serious = (
            ("住院", 800, 0)
            if i < 351
            else ("住院", 0, 3000)
            if i < 494
            else ("门诊慢特病", 200, 0)
        )
        med.append(
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "结算日期": (dt.date(2023, 1, 1) + dt.timedelta(days=i % 300)).isoformat(),
                "就诊类型": kind,
                "医疗总费用": 5000 + i,
                "基本医保支付": 2000,
                "大病保险支付": serious,
                "医疗救助支付": assist,
                "个人自付": 100,
            }
        )
    civil = []
    for kind, persons in (
        ("农村特困", people[:149]),
        ("农村低保", heads),
        ("临时救助", people[:309]),
        ("事实无人抚养儿童", people[:33]),
        ("重度残疾人护理补贴", people[:749]),
        ("困难残疾人生活补贴", people[:403]),
    ):
        civil += [
            {"证件号码": p.id_number, "姓名": p.name, "救助类别": kind, "开始日期": "2023-01-01"}
            for p in persons
        ]
    # A record that ended before the year is not counted.
    civil.append(
        {
            "证件号码": people[0].id_number,
            "姓名": people[0].name,
            "救助类别": "农村低保",
            "开始日期": "2020-01-01",
            "结束日期": "2022-12-31",
        }
    )
    for source, rows in (("medical", med), ("civil", civil)):
        batch = exchange_services.compare(
            actor=admin,
            source=source,
            path=_csv(tmp_path / f"{source}.csv", source, rows),
            as_of=seed000.AS_OF,
            region=seed["county"],
        )
        assert batch.status == "done" and batch.rejected_rows == 0, batch.errors[:3]
    return seed


def _draft(tmp_path: Path, region: str, *args: str) -> docx.document.Document:
    out_path = tmp_path / "汇报.docx"
    out = io.StringIO()
    with patch("core.dates.today", return_value=TODAY):
        call_command(
            "report",
            "work-summary",
            "--region",
            region,
            *args,
            "--out",
            str(out_path),
            stdout=out,
        )
    assert json.loads(out.getvalue().strip().splitlines()[-1])["status"] == "written"
    return docx.Document(str(out_path))


def test_seed_000s_year_drafted_with_every_figure_of_sections_one_and_two_on_a4(
    db: Any, tmp_path: Path, data_dir: Path
) -> None:
    build_year(tmp_path)
    document = _draft(tmp_path, "大冶市/金山店镇", "--period", "2023", "--as-of", "2023-11-14")
    paragraphs = [p.text for p in document.paragraphs]
    text = "\n".join(paragraphs)

    # A4, 公文 margins and fonts (names only).
    section = document.sections[0]
    for measured, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert measured is not None and abs(measured - Mm(mm)) < Mm(0.5), (measured, mm)
    xml = document.element.xml + document.styles.element.xml
    assert "仿宋_GB2312" in xml and "方正小标宋简体" in xml and "黑体" in xml

    assert paragraphs[0] == "金山店镇2023年巩固拓展脱贫攻坚成果工作情况汇报"
    assert "请在此填写" not in text
    # 一、基本情况
    basic = paragraphs[paragraphs.index("一、基本情况") + 1]
    for figure in (
        "22个村（其中有三个脱贫村朝阳村、仕秦村、向阳村），2个社区",
        "1619户，4469人",
        "稳定脱贫户429户900人",
        "监测户35户106人（其中2户4人已消除风险）",
        "未消除风险监测户33户102人",
        "2021年新识别4户11人，2022年新识别22户72人，2023年新识别7户19人",
        "突发严重困难户17户62人，脱贫不稳定户8户13人，边缘易致贫户8户27人",
    ):
        assert figure in basic, figure
    # 二、责任落实情况
    duty = text[text.index("二、责任落实情况") : text.index("三、政策落实情况")]
    for figure in (
        "2023年已下发12次定期工作提示、开展了12次工作队纪律督查",
        "每月一学习、一例会、一督查工作已落实到11月份",
        "8月份组织了1个村工作队的轮换",
        "省后评估反馈问题：认领3个方面13个问题，制定整改措施26条，目前13个问题均已完成整改",
        "国家考核反馈问题：认领9个问题，制定整改措施18条，目前9个问题均已完成整改",
    ):
        assert figure in duty, figure
    # 三: 医保 and 民政 batches.
    policy = text[text.index("三、政策落实情况") : text.index("四、工作落实情况")]
    assert (
        "健康帮扶：全镇所有脱贫户、监测户1006人已全部参加了城乡居民基本医疗保险，"
        "住院医疗救助351人次、大病保险政策143人次、门诊慢性病救助639人次。"
    ) in policy
    assert (
        "149人落实特困供养保障，404户落实农村低保保障，309人落实临时救助，"
        "33人落实事实无人抚养儿童基本生活补助，749人落实重度残疾人护理补贴，"
        "403人落实困难残疾人生活补贴"
    ) in policy
    # 四（一）: leads and identifications by channel and category, 集中排查, 自然增减.
    work = text[text.index("四、工作落实情况") : text.index("五、存在的问题及下步打算")]
    for figure in (
        "1-11月共排查预警线索819条",
        "通过基层干部排查，识别监测对象2户8人，其中突发严重困难户2户8人",
        "开展集中排查。2023年5月（2023年防返贫集中排查）通过对22个村1619户",
        "发现风险5户（因病5户），转为线索5条",
        "识别监测对象5户11人，其中",
        "分月看，3月基层干部排查新增2户8人，6月集中排查新增5户11人",
        "自然增加5人，自然减少11户25人",
        "自查自纠发现的2个问题和督查发现的3个问题已全部整改完成",
    ):
        assert figure in work, figure
    # The appendix: every figure with its definition.
    table = document.tables[-1]
    rows = {row.cells[2].text: (row.cells[3].text, row.cells[4].text) for row in table.rows}
    assert rows["脱贫村"][0] == "3个" and "朝阳村" in rows["脱贫村"][1]
    assert rows["社区"] == ("2个", "村级区划中标注为社区的")
    assert rows["行政村"][0] == "22个"
    assert rows["预警线索"][0] == "819条"
    assert rows["自然减少"][0] == "11户25人"
    assert rows["住院医疗救助"][0] == "351人次"


def test_a_region_without_data_says_so_in_each_section(
    db: Any, tmp_path: Path, data_dir: Path
) -> None:
    county = create_region(actor=None, name="大冶市", level=1, code="420281000000")
    town = create_region(actor=None, name="空镇", level=2, parent=county)
    create_region(actor=None, name="空村", level=3, parent=town)
    document = _draft(tmp_path, "空镇", "--period", "2023-Q2")
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "空镇2023年第二季度巩固拓展脱贫攻坚成果工作情况汇报"
    assert "请在此填写" not in text
    assert "本期无医保结算数据" in text and "本期无民政救助数据" in text
    assert "本期无预警线索和识别监测对象数据" in text
    assert "驻村工作队：本期没有驻村工作队记录。" in text
    assert "衔接资金项目：2023年没有衔接资金项目记录。" in text  # projects/reporting.py
    assert "4-6月" in text
