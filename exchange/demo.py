"""部门比对 in the demo county: department files of 医保, 民政, 住建, 教育 and 公安 for the
register's own people (so that rules fire: warnings to verify, findings to correct), the 医保
file sent twice, one file rejected for a missing column, the internal checks run, and a few
items already verified — all through `services.compare`, as an upload would."""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from accounts.models import User
from exchange import services
from exchange.models import Item
from exchange.readers import SOURCES
from regions.models import Region
from registry.models import Person


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}/exchange")
    admin = User.objects.filter(role="county_admin").order_by("pk").first()
    town_user = User.objects.filter(role="town_staff").order_by("pk").first()
    if admin is None or town_user is None or town_user.region is None:
        raise RuntimeError("演示县还没有县级和乡镇账号，无法生成部门比对数据")
    town = town_user.region
    members = Person.objects.filter(is_member=True, household__region__path__startswith=town.path)
    key = list(members.filter(household__is_alleviated=True).order_by("pk")[:40]) + list(
        members.exclude(household__category="").order_by("pk")[:20]
    )
    anyone = list(members.order_by("pk")[:400])
    rng.shuffle(anyone)
    adults = [p for p in key + anyone if p.birth_date and p.birth_date.year < as_of.year - 20]
    pupils = [
        p for p in anyone if p.birth_date and as_of.year - 15 <= p.birth_date.year <= as_of.year - 8
    ]
    recent = (as_of - dt.timedelta(days=rng.randint(20, 90))).isoformat()
    files = {
        "medical": [
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "结算日期": recent,
                "就诊类型": "住院",
                "医疗总费用": str(rng.randint(60, 120) * 1000),
                "个人自付": str(rng.randint(25, 45) * 1000),
            }
            for p in adults[:8]
        ],
        "civil": [
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "救助类别": rng.choice(("农村低保", "农村特困", "临时救助")),
                "开始日期": recent,
                "金额": "600",
            }
            for p in adults[8:14]
        ],
        "housing": [
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "鉴定等级": rng.choice("CD"),
                "鉴定日期": recent,
            }
            for p in adults[14:18]
        ],
        "education": [
            {"证件号码": p.id_number, "姓名": p.name, "学籍状态": "辍学", "更新日期": recent}
            for p in pupils[:3]
        ],
        "civil_registry": [
            {"证件号码": p.id_number, "姓名": p.name, "变动类型": "死亡", "变动日期": recent}
            for p in adults[18:21]
        ],
    }
    batches = 0
    with tempfile.TemporaryDirectory() as folder:
        for source, rows in files.items():
            path = _write(Path(folder), source, rows)
            name = f"{SOURCES[source].department}{SOURCES[source].label}{as_of:%Y%m}.csv"
            services.compare(actor=admin, source=source, path=path, filename=name, as_of=as_of)
            batches += 1
            if source == "medical":  # the department sends the same month again
                services.compare(actor=admin, source=source, path=path, filename=name, as_of=as_of)
                batches += 1
        broken = Path(folder) / "housing.csv"
        broken.write_text("姓名,鉴定等级\n张三,D\n", encoding="utf-8")
        services.compare(
            actor=admin, source="housing", path=broken, filename="住建鉴定（缺列）.csv", as_of=as_of
        )
        batches += 1
    services.run_checks(actor=admin, as_of=as_of)
    verified = 0
    for item in Item.objects.open().filter(kind="warning").order_by("pk")[:2]:
        services.resolve(
            actor=admin, item=item, result="不纳入", note="经入户核实，已报销，收入稳定"
        )
        verified += 1
    return {
        "batches": batches,
        "open_items": Item.objects.open().count(),
        "verified": verified,
    }


def _write(folder: Path, source: str, rows: list[dict]) -> Path:
    headers = SOURCES[source].headers
    path = folder / f"{source}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path
