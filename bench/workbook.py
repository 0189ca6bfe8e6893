"""County workbooks shaped like the national system's exports, for the import benchmarks.

    path, rows = workbook(130000, "standard")   # §1's canonical headers, one phone per household
    path, rows = workbook(130000, "national")   # 致贫风险1…5, 享受低保政策情况, a phone per member

Every column of formats.md §1 is filled the way an export fills it: several code columns per
member, 在校生状况 graded by age, 务工 status and place, income, 整户无劳动能力. The workbook has a
title row above the header and a shared string table, as Excel and WPS save one. Generated once per
(size, variant, layout) under bench/out/ and reused; `changed(...)` writes the monthly re-sync file
(the same county with 1% of its person rows changed) and lists the rows it changed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from bench.common import OUT

LAYOUT = "national-2"  # bump to regenerate after a change below

REGION = ["县(市、区)", "乡镇", "行政村", "村民小组"]
PERSON = ["户编号", "姓名", "证件号码", "与户主关系", "是否脱贫户", "监测对象类别", "性别", "民族"]
PERSON += ["文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况", "务工地点", "联系电话"]
HOUSEHOLD = ["脱贫年度", "识别监测时间"]
STATUS = ["风险是否消除", "风险消除时间", "风险消除方式", "是否参加城乡居民基本医疗保险"]
FLAGS_STANDARD = ["是否享受低保", "是否特困供养"]
FLAGS_NATIONAL = ["享受低保政策情况", "享受特困供养政策情况"]
TAIL = ["家庭年人均纯收入", "整户无劳动能力"]
RISK_COLUMNS = [f"致贫风险{i}" for i in range(1, 6)]


def headers(variant: str) -> list[str]:
    risks = RISK_COLUMNS if variant == "national" else ["风险类型"]
    flags = FLAGS_NATIONAL if variant == "national" else FLAGS_STANDARD
    return REGION + PERSON + HOUSEHOLD + risks + STATUS + flags + TAIL


RELATIONS = ("户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女")
RISKS = ("因病", "因残", "因学", "因自然灾害", "因务工就业不稳", "缺劳动力", "因意外事故")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌"
PLACES = ("广东省东莞市", "浙江省宁波市", "湖北省武汉市", "江苏省苏州市", "黄石市下陆区")
AWAY = ("省外务工", "县外省内务工")
HEALTH = ("健康",) * 6 + ("长期慢性病", "患有大病", "残疾", "长期慢性病、残疾")
REFERENCE = dt.date(2026, 9, 30)


def _schooling(age: int) -> tuple[str, str]:
    """(文化程度, 在校生状况) graded by age, as exports fill them."""
    if age < 3:
        return "学龄前儿童", "学龄前儿童"
    if age < 6:
        return "学龄前儿童", "学前教育"
    if age < 12:
        return "小学", "小学"
    if age < 15:
        return "初中", ("七年级", "八年级", "九年级")[age - 12]
    if age < 18:
        return "高中", ("高中一年级", "中职二年级", "高中三年级")[age - 15]
    if age < 21:
        return "高中", ("高职高专一年级", "本科", "非在校生")[age - 18]
    return ("小学", "初中", "初中", "高中", "大专")[age % 5], "非在校生"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(1 + rng.randrange(2)))


def _rows(households: int, variant: str, seed: int = 3) -> Any:
    """Yield (row values by header) for the whole county."""
    from core.idnumber import make_valid

    rng = random.Random(seed)
    phones = random.Random(seed + 1)  # both variants describe the same county
    towns = [f"第{t + 1}镇" for t in range(15)]
    person_index = 0
    national = variant == "national"
    for n in range(households):
        town = towns[n % len(towns)]
        village = f"{town}第{(n // 15) % 22 + 1}村"
        group = f"{(n // 330) % 6 + 1}组"
        alleviated = rng.random() < 0.08
        monitored = rng.random() < (0.1 if alleviated else 0.008)
        category = ""
        if monitored:
            category = (
                "脱贫不稳定户" if alleviated else rng.choice(("边缘易致贫户", "突发严重困难户"))
            )
        identified = dt.date(2021 + rng.randrange(3), 1 + rng.randrange(12), 1)
        eliminated = monitored and rng.random() < 0.3
        risks = rng.sample(RISKS, 1 + rng.randrange(2)) if monitored else []
        size = rng.choice((1, 2, 3, 3, 3, 4, 4, 5))
        household_phone = f"13{rng.randrange(10**9):09d}"
        household: dict[str, Any] = {
            "县(市、区)": "大冶市",
            "乡镇": town,
            "行政村": village,
            "村民小组": group,
            "户编号": f"420281{n:012d}",
            "是否脱贫户": "是" if alleviated else "否",
            "监测对象类别": category,
            "脱贫年度": str(2014 + rng.randrange(7)) if alleviated else "",
            "识别监测时间": f"{identified:%Y-%m-%d}" if monitored else "",
            "风险是否消除": ("是" if eliminated else "否") if monitored else "",
            "风险消除时间": f"{identified + dt.timedelta(days=200):%Y-%m-%d}" if eliminated else "",
            "风险消除方式": "帮扶消除" if eliminated else "",
            "家庭年人均纯收入": 6000 + rng.randrange(30000),
            "整户无劳动能力": "否",
        }
        if national:
            for i, column in enumerate(RISK_COLUMNS):
                household[column] = risks[i] if i < len(risks) else ""
        else:
            household["风险类型"] = "、".join(risks)
        dibao = monitored and rng.random() < 0.3
        surname = rng.choice(SURNAMES)
        for m in range(size):
            male = (m % 2 == 0) if m < 2 else rng.random() < 0.5
            # Unique numbers: one birth date per person over 82 years; the sequence digits
            # count the persons born on the same day.
            seq = (person_index // 30000) * 2 + (1 if male else 0)
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=person_index % 30000)
            person_index += 1
            age = max(0, (REFERENCE - birth).days // 365)
            education, schooling = _schooling(age)
            working_age = 16 <= age < 60 and schooling == "非在校生"
            employment = (
                rng.choice(("省外务工", "县外省内务工", "县内务工", "乡镇内务工", "未务工"))
                if working_age
                else ""
            )
            if national:
                phone = household_phone if m == 0 else phones.choice(("", "", f"15{n:09d}"))
            else:
                phone = household_phone
            health = rng.choice(HEALTH)
            values = {
                **household,
                "姓名": surname + _name(rng)[1:] if m != 1 else _name(rng),
                "证件号码": make_valid(f"420281{birth:%Y%m%d}{seq:03d}"),
                "与户主关系": RELATIONS[m] if m < len(RELATIONS) else "其他",
                "性别": "男" if male else "女",
                "民族": "汉族" if rng.random() < 0.95 else "土家族",
                "文化程度": education,
                "在校生状况": schooling,
                "健康状况": health,
                "劳动技能": (
                    rng.choice(("普通劳动力", "普通劳动力", "技能劳动力", "弱劳动力或半劳动力"))
                    if working_age
                    else "无劳动力"
                ),
                "务工状况": employment,
                "务工地点": rng.choice(PLACES) if employment in AWAY else "",
                "联系电话": phone,
                "是否参加城乡居民基本医疗保险": "是",
            }
            if national:
                values["享受低保政策情况"] = "农村低保" if dibao else "未享受"
                values["享受特困供养政策情况"] = "未享受"
            else:
                values["是否享受低保"] = "是" if dibao else "否"
                values["是否特困供养"] = "否"
            yield values


def path_for(households: int, variant: str, suffix: str = "") -> Path:
    return OUT / f"county-{variant}-{households}{suffix}.xlsx"


def _write(path: Path, columns: list[str], rows: Any) -> int:
    """A shared-strings workbook (not constant_memory: that writes strings inline)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("户籍台账")
    sheet.write_row(0, 0, ["大冶市防返贫监测对象信息（国家系统导出）"])
    sheet.write_row(1, 0, columns)
    col = {h: i for i, h in enumerate(columns)}
    r = 2
    for values in rows:
        for key, value in values.items():
            if isinstance(value, int):
                sheet.write_number(r, col[key], value)
            elif value:
                sheet.write_string(r, col[key], value)
        r += 1
    book.close()
    return r - 2


def workbook(households: int, variant: str) -> tuple[Path, int]:
    """The county workbook of a variant (reused when present); its path and data rows."""
    path = path_for(households, variant)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        if info.get("layout") == LAYOUT:
            return path, info["rows"]
    OUT.mkdir(exist_ok=True)
    rows = _write(path, headers(variant), _rows(households, variant))
    meta.write_text(json.dumps({"rows": rows, "households": households, "layout": LAYOUT}))
    return path, rows


def changed(households: int, variant: str, share: float = 0.01) -> tuple[Path, int, set[str]]:
    """The monthly re-sync: the same county with `share` of its person rows changed.

    A changed row gets another 务工状况 (and 务工地点) or 健康状况 — person columns, so each
    change is one updated person. Returns the path, the rows and the changed 证件号码.
    """
    rng = random.Random(11)
    changed_ids: set[str] = set()

    def rows() -> Any:
        for values in _rows(households, variant):
            if rng.random() < share:
                changed_ids.add(values["证件号码"])
                if values["健康状况"] == "健康":
                    values["健康状况"] = "长期慢性病"
                else:
                    values["健康状况"] = "健康"
            yield values

    path = path_for(households, variant, "-resync")
    count = _write(path, headers(variant), rows())
    return path, count, changed_ids
