"""Seed 000's 三、政策落实 as data: the 雨露计划, 教育资助 and 危房改造 ledgers and the 医保 and
民政 batches of 金山店镇 (on the register of stats/tests/seed000.py).

  (一)…共申报雨露计划64人次,其中春季31人,秋季33人。…教育资助共计144人,其中初中49人,小学74人,学前教育20人。
  (二)…住院医疗救助351人次、大病保险政策143人次、门诊慢性病救助639人次…
  (三)…对这5户实施危房改造政策。
  (五)…149人落实特困供养保障,404户落实农村低保保障,309人落实临时救助,33人落实事实无人抚养儿童基本
      生活补助,749人落实重度残疾人护理补贴,403人落实困难残疾人生活补贴…

Each with noise the figures must leave out: a second term of one pupil, re-sent and other-year
医保 rows, 民政 records that ended before the year or begin after it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from benefits.layouts import EDUCATION_AID, HOUSING_RENOVATION, YULU
from exchange import services as exchange_services
from exchange.readers import SOURCES
from fangpin.testing import run_command, write_sheet
from registry.models import Household, Person

YEAR = 2023


def load_ledgers(tmp_path: Path, people: list[Person], renovated: list[Household]) -> None:
    yulu = [
        {
            "证件号码": p.id_number,
            "姓名": p.name,
            "年度": YEAR,
            "学期": term,
            "学历层次": "中职",
            "补助金额": "1500",
        }
        for term, chosen in (("春季", people[:31]), ("秋季", people[:33]))
        for p in chosen
    ]
    stages = ["初中"] * 49 + ["小学"] * 74 + ["学前"] * 20 + ["高中"]
    aid = [
        {
            "证件号码": p.id_number,
            "姓名": p.name,
            "年度": YEAR,
            "学期": "春季",
            "学段": stage,
            "资助项目": "生活补助",
            "金额": "500",
        }
        for p, stage in zip(people[33:177], stages, strict=True)
    ]
    aid += [dict(aid[0], 学期="秋季")]  # a second term: 145 rows, still 144 pupils
    houses = [
        {
            "户编号": h.number,
            "户主姓名": h.head_name,
            "年度": YEAR,
            "鉴定等级": "D级" if i < 2 else "C级",
            "改造方式": "拆除重建" if i < 2 else "修缮加固",
            "补助金额": "20000",
        }
        for i, h in enumerate(renovated)
    ]
    for kind, headers, rows in (
        ("yulu", YULU.headers, yulu),
        ("education_aid", EDUCATION_AID.headers, aid),
        ("housing_renovation", HOUSING_RENOVATION.headers, houses),
    ):
        path = write_sheet(tmp_path / f"{kind}.xlsx", headers, rows)
        code, result, _ = run_command("ledger", "import", kind, str(path))
        assert code == 0, result


def medical_rows(people: list[Person]) -> list[dict[str, Any]]:
    patients = people[200:600]
    rows = []

    def settle(i: int, p: Person, visit: str, serious: int, assist: int, day: dt.date) -> None:
        rows.append(
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "结算日期": f"{day:%Y-%m-%d}",
                "就诊类型": visit,
                "医疗总费用": 3000 + i,
                "基本医保支付": 1500,
                "大病保险支付": serious,
                "医疗救助支付": assist,
                "个人自付": 200,
            }
        )

    day = dt.date(YEAR, 1, 3)
    for i in range(351):  # 住院 with 医疗救助; 143 of them with 大病保险 too
        settle(i, patients[i % 400], "住院", 800 if i < 143 else 0, 300, day)
    for i in range(639):  # 门诊慢特病 with 医疗救助
        settle(i, patients[(i * 7) % 400], "门诊慢特病", 0, 50, day + dt.timedelta(days=i % 300))
    for i in range(40):  # noise: no 救助 or 大病 paid, another year
        settle(i, patients[i], "住院", 0, 0, day)
        settle(i, patients[i], "普通门诊", 0, 0, day)
        settle(i, patients[i], "住院", 500, 300, dt.date(YEAR - 1, 12, 30))
    return rows


def civil_rows(people: list[Person], dibao: list[Household]) -> list[dict[str, Any]]:
    def aid(p: Person, kind: str, start: str = f"{YEAR - 1}-03-01", end: str = "") -> dict:
        return {
            "证件号码": p.id_number,
            "姓名": p.name,
            "救助类别": kind,
            "开始日期": start,
            "结束日期": end,
            "金额": 300,
        }

    rows = [aid(p, "农村特困") for p in people[600:749]]
    ids = {h.pk for h in dibao}
    rows += [aid(p, "农村低保") for p in people if p.household_id in ids]
    rows += [aid(p, "临时救助", f"{YEAR}-05-01", f"{YEAR}-05-31") for p in people[1000:1309]]
    rows += [aid(p, "事实无人抚养儿童") for p in people[1309:1342]]
    rows += [aid(p, "重度残疾人护理补贴") for p in people[1342:2091]]
    rows += [aid(p, "困难残疾人生活补贴") for p in people[2091:2494]]
    # Not in the year: ended before it, began after it.
    rows += [
        aid(p, "临时救助", f"{YEAR - 1}-01-01", f"{YEAR - 1}-02-01") for p in people[2500:2510]
    ]
    rows += [aid(p, "农村特困", f"{YEAR + 1}-02-01") for p in people[2510:2520]]
    return rows


def load(county: Any, tmp_path: Path) -> None:
    """The three ledgers (by `fangpin ledger import`) and the batches, as of 2023-11-14."""
    # The first 2520 members (the first 404 households' among them), and the last 5 households.
    people = list(Person.objects.filter(is_member=True).order_by("pk")[:2520])
    dibao = list(Household.objects.order_by("pk")[:404])
    load_ledgers(tmp_path, people, list(Household.objects.order_by("-pk")[:5]))
    med = medical_rows(people)
    for name, rows in (("medical-1.csv", med), ("medical-2.csv", med[:500])):  # re-sent rows
        batch = exchange_services.compare(
            actor=None,
            source="medical",
            path=write_sheet(tmp_path / name, SOURCES["medical"].headers, rows),
            as_of=dt.date(YEAR, 11, 14),
            region=county,
        )
        assert batch.status == "done" and batch.rejected_rows == 0, batch.errors
    batch = exchange_services.compare(
        actor=None,
        source="civil",
        path=write_sheet(
            tmp_path / "civil.csv", SOURCES["civil"].headers, civil_rows(people, dibao)
        ),
        as_of=dt.date(YEAR, 11, 14),
        region=county,
    )
    assert batch.status == "done" and batch.rejected_rows == 0, batch.errors
