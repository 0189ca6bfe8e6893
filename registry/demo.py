"""The demo county (`fangpin demo`): a realistic, deterministic register built from a seed.

Everything comes from one `random.Random(seed)` and a fixed reference date, so a seed always gives
the same county. Rows are written in bulk (COPY on PostgreSQL, executemany on SQLite) with ids
assigned here, because 130,000 households must build in well under three minutes; the statuses and
their history still come from `registry.rules` (`status_events`, `check_status`), so the demo obeys
the same rules as a hand-entered register.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import User
from accounts.views import DEMO_PASSWORD
from core import audit, codes
from core.dates import today
from core.idnumber import age_on, make_valid
from regions.models import Region
from registry import rules
from registry.models import (
    RISK_SEPARATOR,
    Household,
    HouseholdEvent,
    IncomeRecord,
    Membership,
    Person,
)

# Fixed so that a seed gives the same county whatever the day it is built (all dates lie before).
REFERENCE_DATE = dt.date(2026, 9, 30)
COUNTY_NAME = "大冶市"
COUNTY_CODE = "420281000000"
SOURCE = "演示数据"
# People married in from neighbouring counties carry their own area codes.
OTHER_AREAS = ("420222", "420202", "420204", "421127", "420115")
# Register history starts with 建档立卡 in 2014: members born since then joined by 出生.
REGISTER_START = dt.date(2014, 1, 1)
BATCH = 20000

# (username, role, which region, can_view_sensitive, display name) — the logins serve.py prints.
DEMO_USERS = (
    ("county_admin", "county_admin", "county", True, "县管理员"),
    ("auditor", "auditor", "county", False, "县审计员"),
    ("town_staff", "town_staff", "town", False, "乡镇干部"),
    ("town_other", "town_staff", "town2", False, "另一乡镇干部"),
    ("village_staff", "village_staff", "village", False, "村干部"),
    ("grid_member", "grid_member", "village", False, "网格员"),
)

# Reference 监测范围 of the demo province (yuan per person per year). Demo values only: the real
# line is policy data per province and year (policy.md §2).
DEMO_LINE = {2020: 5800, 2021: 6000, 2022: 6500, 2023: 7000, 2024: 7400, 2025: 7800, 2026: 8100}

TOWN_FIRST = "金还保灵殷刘陈茗东西南北石黄白龙凤马柳杨罗汪胡新河湖高青红兴太平安富华章柯"
TOWN_SECOND = "山桥湖港铺店畈冲岭坪溪源坝庙口阳乐丰和林泉塘"
VILLAGE_FIRST = (
    "朝仕白羊张王李刘陈黄周吴徐胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈曾彭吕苏卢蒋"
    "蔡丁魏叶余潘杜夏钟汪田姜范方石姚谭廖邹熊金陆柯新东西南北上下大小中前后双三五七九红"
    "青桃杨柳松竹梅兴和丰富太长永德福胜利民华光明星月阳泉"
)
VILLAGE_SECOND = "家湾冲岭坪畈桥港山林庄铺店湖塘园堡岗河口源庙垅坳田坊阳兴丰和安平明光华新星峰"
GROUP_NAMES = "一二三四五六七八九十"
SURNAMES = (
    "刘陈王李张黄胡柯石吴周徐曹汪程董彭余何罗朱肖熊万姜卫费尹冯明袁邹叶郭杨宋潘吕沈谢蔡邓方田"
)
# Weighted towards the names most common in the region.
SURNAME_WEIGHTS = [8, 8, 7, 7, 7, 6, 5, 4, 4, 4] + [2] * (len(SURNAMES) - 10)
# Cumulative weights (what random.choices computes from weights each call; same draws).
SURNAME_CUM = list(accumulate(SURNAME_WEIGHTS))
SIZE_CUM = list(accumulate((12, 25, 28, 22, 9, 4)))  # household sizes 1–6, about 3 on average
EMPLOYMENTS = ("省外务工", "县外省内务工", "县内务工", "乡镇内务工", "未务工")
EMPLOYMENT_CUM = list(accumulate((25, 20, 15, 10, 30)))
MALE_OLD = "国建志明华军伟强文斌勇平春海林德发金祥福贵荣成新宏清学先正长世义"
MALE_NEW = "浩宇轩涛鹏磊辉龙波杰俊博睿子豪晨阳泽逸天航文嘉铭思"
FEMALE_OLD = "秀英兰桂芳珍凤梅玲霞红丽娟敏静琴萍慧云华翠菊香莲"
FEMALE_NEW = "婷雪欣怡涵萱雨梓诗佳琪悦馨彤妍瑶可心晴月颖"
WORK_PLACES = {
    "省外务工": ("广东省深圳市", "广东省东莞市", "浙江省杭州市", "江苏省苏州市", "上海市"),
    "县外省内务工": ("湖北省武汉市", "湖北省黄石市", "湖北省鄂州市", "湖北省宜昌市"),
    "县内务工": ("大冶市城区", "大冶市经济开发区", "大冶市罗桥街道"),
    "乡镇内务工": ("本镇",),
}
# Primary risk weights per category; secondary risks are drawn from the general weights.
RISK_WEIGHTS = {
    "脱贫不稳定户": {
        "因病": 40,
        "因残": 15,
        "缺劳动力": 15,
        "因学": 10,
        "因务工就业不稳": 10,
        "因产业项目失败": 5,
        "因安全住房": 3,
        "其他": 2,
    },
    "边缘易致贫户": {
        "因病": 38,
        "因残": 12,
        "缺劳动力": 12,
        "因学": 12,
        "因务工就业不稳": 12,
        "因产业项目失败": 6,
        "因安全饮水": 3,
        "因安全住房": 3,
        "其他": 2,
    },
    "突发严重困难户": {"因病": 50, "因意外事故": 20, "因自然灾害": 18, "因学": 6, "因残": 6},
}
STUDENT_SCHOOLING = {
    "高中一年级", "高中二年级", "高中三年级", "中职一年级", "中职二年级", "中职三年级",
    "高职高专一年级", "高职高专二年级", "高职高专三年级", "本科",
}  # fmt: skip
WORKING_LABOUR = ("普通劳动力", "技能劳动力")


@dataclass
class Member:
    """One generated person (plus their membership facts)."""

    name: str
    sex: str
    birth: dt.date
    relation: str
    id_number: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    schooling: str = ""
    health: list[str] = field(default_factory=lambda: ["健康"])
    labour: str = ""
    employment: str = ""
    work_place: str = ""
    phone: str = ""
    insured: bool = True
    dibao: bool = False
    tekun: bool = False
    is_member: bool = True
    end_date: dt.date | None = None
    end_reason: str = ""

    @cached_property
    def age(self) -> int:
        return age_on(self.birth, REFERENCE_DATE)

    @property
    def has_labour(self) -> bool:
        return self.labour in codes.DEVELOPMENTAL_LABOUR


class _Table:
    """Rows for one table, written in batches: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, model: type[models.Model], fields: list[str]) -> None:
        meta = model._meta
        self.model = model
        self.table = connection.ops.quote_name(meta.db_table)
        column = {f.name: f.column for f in meta.concrete_fields}
        self.columns = ", ".join(connection.ops.quote_name(column[f]) for f in fields)
        self.width = len(fields)
        self.rows: list[tuple] = []
        self.count = 0
        self.next_id = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def take_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor: COPY is several times faster
                with raw.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in self.rows))
            else:
                marks = ", ".join(["%s"] * self.width)
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", self.rows
                )
        self.count += len(self.rows)
        self.rows = []


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (building the text here beats write_row)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES) if isinstance(value, str) else str(value)


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class CountyBuilder:
    """Builds the demo county; `build()` returns the counts for the command's JSON line."""

    def __init__(
        self,
        households: int,
        seed: int,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.n = households
        self.rng = random.Random(seed)
        self.progress = progress
        self.as_of = min(REFERENCE_DATE, today())
        self.used_ids: set[str] = set()
        self.counts: dict[str, Any] = {
            "alleviated": 0,
            "monitored": 0,
            "by_category": {c: 0 for c in codes.CATEGORIES},
            "eliminated": 0,
            "rolled_back": 0,
            "reidentified": 0,
        }

    # ----- regions -------------------------------------------------------------------------

    def _unique_names(self, count: int, make: Callable[[], str]) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < count:
            name = make()
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names

    def _town_name(self) -> str:
        rng = self.rng
        stem = rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND)
        if rng.random() < 0.25:
            stem = rng.choice(TOWN_FIRST) + stem
        return stem + ("乡" if rng.random() < 0.15 else "镇")

    def _village_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choice(SURNAMES) + "家" + rng.choice(VILLAGE_SECOND) + "村"
        return rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"

    def build_regions(self) -> tuple[Region, list[dict[str, Any]]]:
        """County › 10–20 towns › 10–25 villages › 3–8 村民小组; returns the county and villages."""
        rng = self.rng
        next_id = (Region.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        rows: list[Region] = []

        def add(name: str, level: int, parent: Region | None, code: str, sort: int) -> Region:
            nonlocal next_id
            region = Region(pk=next_id, name=name, level=level, parent=parent, code=code, sort=sort)
            region.path = f"{parent.path if parent else '/'}{next_id}/"
            next_id += 1
            rows.append(region)
            return region

        county = add(COUNTY_NAME, Region.Level.COUNTY, None, COUNTY_CODE, 0)
        villages: list[dict[str, Any]] = []
        town_names = self._unique_names(rng.randint(10, 20), self._town_name)
        for t, town_name in enumerate(town_names):
            town_code = f"{COUNTY_CODE[:6]}{100 + t:03d}000"
            town = add(town_name, Region.Level.TOWN, county, town_code, t)
            village_names = self._unique_names(rng.randint(10, 25), self._village_name)
            for v, village_name in enumerate(village_names):
                code = f"{town_code[:9]}{200 + v:03d}"
                village = add(village_name, Region.Level.VILLAGE, town, code, v)
                # Some 脱贫村 and 重点帮扶村 for the report's 基本情况 (no draw: the rest of the
                # demo stays as the seed makes it).
                village.is_alleviated_village = v % 6 == 0
                village.is_key_village = v % 6 == 0 and t % 3 == 0
                groups = [
                    add(f"{GROUP_NAMES[g]}组", Region.Level.GROUP, village, "", g)
                    for g in range(rng.randint(3, 8))
                ]
                villages.append(
                    {"town": town, "village": village, "groups": groups, "weight": rng.random()}
                )
        Region.objects.bulk_create(rows, batch_size=2000)
        self.counts.update(
            towns=len(town_names),
            villages=len(villages),
            groups=len(rows) - 1 - len(town_names) - len(villages),
        )
        return county, villages

    # ----- people --------------------------------------------------------------------------

    def _birth(self, age: int) -> dt.date:
        """A birth date giving `age` whole years on the reference date."""
        latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
        return latest - dt.timedelta(days=self.rng.randint(0, 364))

    def _name(self, surname: str, sex: str, birth: dt.date) -> str:
        rng = self.rng
        if sex == "男":
            pool = MALE_OLD if birth.year < 1985 else MALE_NEW
        else:
            pool = FEMALE_OLD if birth.year < 1985 else FEMALE_NEW
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.75 else "")
        return surname + given

    def _surname(self) -> str:
        return self.rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]

    def _id_number(self, birth: dt.date, sex: str, area: str) -> str:
        """A valid, unused number: area code, birth date, a sequence whose parity is the sex."""
        rng = self.rng
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return make_valid(first17)

    def _person(self, surname: str, sex: str, age: int, relation: str) -> Member:
        birth = self._birth(max(age, 0))
        return Member(name=self._name(surname, sex, birth), sex=sex, birth=birth, relation=relation)

    def _family(self) -> list[Member]:
        """户主 plus relatives with ages and sexes that fit their relation."""
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5, 6), cum_weights=SIZE_CUM)[0]
        surname = self._surname()
        head_sex = "男" if rng.random() < 0.88 else "女"
        if size == 1:
            head_age = rng.choice((rng.randint(30, 59), rng.randint(60, 92), rng.randint(60, 92)))
        elif size == 2:
            head_age = rng.randint(55, 88) if rng.random() < 0.6 else rng.randint(24, 54)
        else:
            head_age = rng.randint(28, 75)
        head = self._person(surname, head_sex, head_age, "户主")
        family = [head]
        spouse_sex = "女" if head_sex == "男" else "男"
        kids_surname = surname
        if size >= 2 and (rng.random() < 0.9 or size >= 4):
            spouse_age = max(20, head_age + rng.randint(-5, 3) * (1 if head_sex == "男" else -1))
            spouse = self._person(self._surname(), spouse_sex, spouse_age, "配偶")
            family.append(spouse)
            if head_sex == "女":
                kids_surname = spouse.name[0]
        if head_age >= 55 and size - len(family) >= 2 and rng.random() < 0.7:
            # Three generations: a son, his wife, their children.
            son_age = max(20, head_age - rng.randint(24, 32))
            family.append(self._person(kids_surname, "男", son_age, "之子"))
            if size - len(family) >= 2 or rng.random() < 0.6:
                daughter_in_law = self._person(
                    self._surname(), "女", son_age + rng.randint(-4, 1), "之儿媳"
                )
                family.append(daughter_in_law)
            age = son_age - rng.randint(22, 30)
            while len(family) < size and age >= 0:
                sex = rng.choice("男女")
                relation = "之孙子" if sex == "男" else "之孙女"
                family.append(self._person(kids_surname, sex, age, relation))
                age -= rng.randint(1, 6)
        else:
            age = head_age - rng.randint(22, 32)
            while len(family) < size and age >= 0:
                sex = rng.choice("男女")
                family.append(
                    self._person(kids_surname, sex, age, "之子" if sex == "男" else "之女")
                )
                age -= rng.randint(1, 6)
            if len(family) < size and head_age <= 58:
                father_age = min(95, head_age + rng.randint(24, 32))
                family.append(self._person(surname, "男", father_age, "之父"))
                if len(family) < size:
                    mother_age = min(95, father_age + rng.randint(-5, 1))
                    family.append(self._person(self._surname(), "女", mother_age, "之母"))
        return family

    def _education(self, m: Member) -> None:
        """文化程度 and 在校生状况 that fit the age (students carry the level they are in)."""
        rng, age = self.rng, m.age
        m.schooling = "非在校生"
        if age < 3:
            m.education, m.schooling = "学龄前儿童", "学龄前儿童"
        elif age < 6:
            m.education, m.schooling = "学龄前儿童", "学前教育"
        elif age < 12:
            m.education, m.schooling = "小学", "小学"
        elif age < 15:
            m.education, m.schooling = "初中", ("七年级", "八年级", "九年级")[age - 12]
        elif age < 18:
            grade = "一二三"[age - 15]
            track = rng.random()
            if track < 0.6:
                m.education, m.schooling = "高中", f"高中{grade}年级"
            elif track < 0.9:
                m.education, m.schooling = "高中", f"中职{grade}年级"
            else:
                m.education = "初中"
        elif age < 22 and rng.random() < 0.45:
            if rng.random() < 0.5:
                m.education, m.schooling = "大专", f"高职高专{'一二三'[min(age - 18, 2)]}年级"
            else:
                m.education, m.schooling = "本科及以上", "本科"
        else:
            born = m.birth.year
            levels: tuple[str, ...]
            weights: tuple[int, ...]
            if born < 1956:
                levels, weights = ("文盲或半文盲", "小学", "初中"), (40, 45, 15)
            elif born < 1971:
                levels, weights = ("文盲或半文盲", "小学", "初中", "高中"), (15, 45, 35, 5)
            elif born < 1986:
                levels, weights = ("小学", "初中", "高中", "大专"), (25, 55, 15, 5)
            else:
                levels, weights = ("初中", "高中", "大专", "本科及以上"), (40, 30, 15, 15)
            m.education = rng.choices(levels, weights=weights)[0]

    def _health(self, m: Member) -> None:
        rng, age = self.rng, m.age
        chronic, serious, disabled = (
            (0.25, 0.03, 0.03) if age >= 60 else (0.08, 0.015, 0.02) if age >= 40 else
            (0.01, 0.005, 0.01)
        )  # fmt: skip
        found = []
        if rng.random() < chronic:
            found.append("长期慢性病")
        if rng.random() < serious:
            found.append("患有大病")
        if rng.random() < disabled:
            found.append("残疾")
        m.health = found or ["健康"]

    def _labour_and_work(self, m: Member) -> None:
        """劳动技能 from age, health and schooling; 务工状况 for those who can work."""
        rng, age = self.rng, m.age
        student = m.schooling != "非在校生"
        if age < 16 or student or age > 75:
            m.labour = "无劳动力"
        elif "患有大病" in m.health or "残疾" in m.health:
            m.labour = rng.choice(("丧失劳动力", "弱劳动力或半劳动力"))
        elif "长期慢性病" in m.health or age > 64:
            m.labour = "弱劳动力或半劳动力"
        else:
            m.labour = "技能劳动力" if rng.random() < 0.2 else "普通劳动力"
        m.employment, m.work_place = ("" if age < 16 else "未务工"), ""
        if m.labour in WORKING_LABOUR or (m.labour == "弱劳动力或半劳动力" and age < 60):
            choice = rng.choices(EMPLOYMENTS, cum_weights=EMPLOYMENT_CUM)[0]
            m.employment = choice
            if choice != "未务工":
                m.work_place = rng.choice(WORK_PLACES[choice])

    def _finish(self, m: Member, ethnicity: str) -> None:
        rng = self.rng
        m.ethnicity = ethnicity
        area = rng.choice(OTHER_AREAS) if m.relation in ("配偶", "之儿媳") and rng.random() < 0.06 \
            else COUNTY_CODE[:6]  # fmt: skip
        m.id_number = self._id_number(m.birth, m.sex, area)
        self._education(m)
        self._health(m)
        self._labour_and_work(m)
        m.insured = rng.random() < 0.985
        if 18 <= m.age <= 75 and rng.random() < 0.85:
            m.phone = "1" + rng.choice("3589") + f"{rng.randrange(10**9):09d}"

    def _make_ill(self, family: list[Member], kind: str) -> None:
        """Give an adult an illness or a disability (risks 因病/因残 need such a member)."""
        adults = [m for m in family if m.age >= 18 and m.is_member] or family
        m = max(adults, key=lambda p: p.age) if self.rng.random() < 0.6 else self.rng.choice(adults)
        if kind == "残疾":
            m.health = [h for h in m.health if h != "健康"] + ["残疾"]
        else:
            m.health = [self.rng.choice(("患有大病", "长期慢性病"))]
        self._labour_and_work(m)

    # ----- status --------------------------------------------------------------------------

    def _risks(self, category: str, family: list[Member]) -> list[str]:
        """1–3 plausible risks; 因病/因残 get an ill member, the others need the facts to fit."""
        rng = self.rng
        members = [m for m in family if m.is_member]

        def fits(risk: str) -> bool:
            if risk == "因学":
                return any(m.schooling in STUDENT_SCHOOLING for m in members)
            if risk == "因务工就业不稳":
                return any(m.employment not in ("", "未务工") for m in members)
            if risk == "缺劳动力":
                return sum(m.labour in WORKING_LABOUR for m in members) * 4 <= len(members)
            return True

        chosen: list[str] = []
        wanted = rng.choices((1, 2, 3), weights=(55, 33, 12))[0]
        weights = RISK_WEIGHTS[category]
        for attempt in range(12):
            table = weights if attempt == 0 else RISK_WEIGHTS["边缘易致贫户"]
            risk = rng.choices(list(table), weights=list(table.values()))[0]
            if risk in chosen or not fits(risk):
                continue
            if risk == "因病" and not any(
                {"患有大病", "长期慢性病"} & set(m.health) for m in members
            ):
                self._make_ill(members, "病")
            if risk == "因残" and not any("残疾" in m.health for m in members):
                self._make_ill(members, "残疾")
            chosen.append(risk)
            if len(chosen) == wanted:
                break
        return chosen or ["其他"]

    def _date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def _identified_date(self) -> dt.date:
        rng = self.rng
        year = rng.choices(range(2021, 2027), weights=(30, 25, 18, 12, 10, 5))[0]
        last = min(dt.date(year, 12, 31), self.as_of - dt.timedelta(days=15))
        return self._date_between(dt.date(year, 1, 4), last)

    def _history(
        self, alleviated_year: int | None, category: str, risks: list[str], no_labour: bool
    ) -> tuple[rules.HouseholdStatus, list[dict]]:
        """The current status and its dated events, built step by step with `status_events`."""
        rng = self.rng
        state = rules.HouseholdStatus(
            is_alleviated=alleviated_year is not None,
            alleviated_year=alleviated_year,
            category="",
            risks=[],
            identified_date=None,
            risk_eliminated=False,
            eliminated_date=None,
            elimination_method="",
        )
        events = rules.status_events(None, state, self.as_of)
        if not category:
            return state, events
        identified = self._identified_date()
        first = replace(state, category=category, risks=risks, identified_date=identified)
        steps = [(first, identified)]
        days_left = (self.as_of - identified).days
        # 整户无劳动力 households are not marked eliminated (policy rule 22).
        p_eliminate = min(0.85, 0.25 * days_left / 182)
        if not no_labour and days_left > 200 and rng.random() < p_eliminate:
            # Elimination needs at least half a year of monitoring (policy rule 21).
            eliminated = identified + dt.timedelta(days=rng.randint(183, min(days_left, 900)))
            method = "帮扶消除" if rng.random() < 0.75 else "自然消除"
            done = replace(
                first, risk_eliminated=True, eliminated_date=eliminated, elimination_method=method
            )
            steps.append((done, eliminated))
            undone = replace(
                done, risk_eliminated=False, eliminated_date=None, elimination_method=""
            )
            room = (self.as_of - eliminated).days
            turn = rng.random()
            if room > 60 and turn < 0.05:
                steps.append((undone, eliminated + dt.timedelta(days=rng.randint(30, room))))
                self.counts["rolled_back"] += 1
            elif room > 90 and turn < 0.10:
                again = eliminated + dt.timedelta(days=rng.randint(60, room))
                steps.append((replace(undone, identified_date=again), again))
                self.counts["reidentified"] += 1
        for after, on in steps:
            events += rules.status_events(state, after, on)
            state = after
        errors = rules.check_status(state, self.as_of)
        if errors:  # a bug in the generator, never a user's mistake
            raise AssertionError(f"演示数据不符合规则：{errors}")
        return state, events

    # ----- income --------------------------------------------------------------------------

    def _incomes(
        self, family: list[Member], status: rules.HouseholdStatus, dibao: bool
    ) -> list[IncomeRecord]:
        """Yearly income records; 人均 comes out of IncomeRecord.compute(), never typed."""
        rng = self.rng
        first = 2021
        if status.category and status.identified_date and not status.is_alleviated:
            first = status.identified_date.year - 1
        records = []
        base_factor = rng.uniform(1.3, 2.6)
        for year in range(first, self.as_of.year):
            line = DEMO_LINE[year]
            end = dt.date(year, 12, 31)
            members = [
                m for m in family
                if m.birth <= end and (m.is_member or (m.end_date and m.end_date > end))
            ]  # fmt: skip
            n = max(len(members), 1)
            monitored_then = (
                bool(status.category)
                and status.identified_date is not None
                and (year >= status.identified_date.year - 1)
            )
            eliminated_then = (
                status.eliminated_date is not None and year >= status.eliminated_date.year
            )
            spending = 0
            if monitored_then and not eliminated_then:
                if status.category == "突发严重困难户":
                    factor = rng.uniform(1.0, 1.8)
                    spending = int(n * line * (factor - rng.uniform(0.5, 0.9)))
                else:
                    factor = rng.uniform(0.6, 0.98)
            elif eliminated_then:
                factor = rng.uniform(1.1, 1.7)
            else:
                factor = base_factor * (1 + 0.05 * (year - 2021))
            total = int(n * line * factor)
            pensions = sum(1 for m in members if m.age - (self.as_of.year - year) >= 60)
            transfer = min(
                int(0.85 * total),
                (len(members) * 5000 if dibao else 0) + pensions * 1500 + rng.randint(200, 800),
            )
            property_income = min(int(0.05 * total), rng.randint(0, 600))
            rest = total - transfer - property_income
            workers = sum(1 for m in members if m.employment not in ("", "未务工"))
            wage = int(rest * rng.uniform(0.5, 0.9)) if workers else 0
            cost = rng.randint(300, 2500)
            record = IncomeRecord(
                year=year,
                wage=Decimal(wage),
                business=Decimal(rest - wage + cost),
                property_income=Decimal(property_income),
                transfer=Decimal(transfer),
                business_cost=Decimal(cost),
                claims=Decimal(int(spending * rng.uniform(0, 0.3))) if spending else Decimal(0),
                compliant_spending=Decimal(spending),
                members_counted=n,
            )
            record.compute()
            records.append(record)
        return records

    # ----- the whole county ----------------------------------------------------------------

    def _status_plan(self) -> dict[int, tuple[bool, str]]:
        """Which household indexes are 脱贫户 (~3%) and 监测对象 (~0.4%, every category)."""
        rng, n = self.rng, self.n
        everyone = list(range(n))
        alleviated = sorted(rng.sample(everyone, min(n, max(3, round(n * 0.03)))))
        monitored = min(n, max(3, round(n * 0.004)))
        unstable_n = max(1, round(monitored * 0.3))
        marginal_n = max(1, round(monitored * 0.3))
        sudden_n = max(1, monitored - unstable_n - marginal_n)
        plan: dict[int, tuple[bool, str]] = {i: (True, "") for i in alleviated}
        for i in rng.sample(alleviated, min(unstable_n, len(alleviated))):
            plan[i] = (True, "脱贫不稳定户")
        ordinary = sorted(set(everyone) - set(alleviated))
        picks = rng.sample(ordinary, min(len(ordinary), marginal_n + sudden_n))
        for i in picks[:marginal_n]:
            plan[i] = (False, "边缘易致贫户")
        for i in picks[marginal_n:]:
            plan[i] = (False, "突发严重困难户")
        # Some 突发严重困难户 are 脱贫户 too (policy.md §1: either kind of household).
        stable = [i for i in alleviated if not plan[i][1]]
        for i in rng.sample(stable, min(len(stable), max(0, sudden_n // 5))):
            plan[i] = (True, "突发严重困难户")
        return plan

    def _home_village(self, plan: dict[int, tuple[bool, str]], size: int) -> None:
        """The village of the demo village and grid logins (the first) has 脱贫户 and 监测户 of
        every category, whatever the draw gave it (no draw: the rest of the county is unchanged)."""
        wanted = [
            (True, ""),
            (True, "脱贫不稳定户"),
            (False, "边缘易致贫户"),
            (True, ""),
            (False, "突发严重困难户"),
            (True, ""),
            (False, "边缘易致贫户"),
            (True, ""),
        ]
        for i, status in enumerate(wanted[: max(0, size - 2)]):
            if plan.get(i) == status:
                continue
            # Swap with a household elsewhere that drew this status: the county's totals stay.
            j = next((j for j in sorted(plan) if j >= size and plan[j] == status), None)
            mine = plan.pop(i, None)
            if j is not None:
                del plan[j]
                if mine is not None:
                    plan[j] = mine
            plan[i] = status

    def _allocate(self, villages: list[dict[str, Any]]) -> list[int]:
        """Households per village, proportional to a random size, summing exactly to N."""
        weights = [0.5 + v["weight"] for v in villages]
        total = sum(weights)
        shares = [self.n * w / total for w in weights]
        counts = [int(s) for s in shares]
        order = sorted(range(len(shares)), key=lambda i: shares[i] - counts[i], reverse=True)
        for i in order[: self.n - sum(counts)]:
            counts[i] += 1
        # The home village (of the demo village and grid logins) gets enough households to have
        # work in it even in a small county; the largest villages give them up.
        wanted = min(12, self.n // 4)
        while counts[0] < wanted:
            biggest = max(range(1, len(counts)), key=lambda i: counts[i])
            counts[biggest] -= 1
            counts[0] += 1
        return counts

    def build(self) -> dict[str, Any]:
        """Write the county, its register and its users; returns the counts."""
        county, villages = self.build_regions()
        plan = self._status_plan()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        households = _Table(Household, [
            "id", "number", "region", "head_name", "address", "phone", "is_alleviated",
            "alleviated_year", "category", "risks", "identified_date", "risk_eliminated",
            "eliminated_date", "elimination_method", "no_labour", "per_capita_income",
            "member_count", "created_at", "updated_at",
        ])  # fmt: skip
        persons = _Table(Person, [
            "id", "household", "is_member", "name", "id_number", "sex", "birth_date", "relation",
            "ethnicity", "education", "schooling", "health", "labour_skill", "employment",
            "work_place", "phone", "medical_insurance", "dibao", "tekun", "created_at",
            "updated_at",
        ])  # fmt: skip
        memberships = _Table(Membership, [
            "person", "household", "start_date", "start_reason", "end_date", "end_reason",
        ])  # fmt: skip
        events = _Table(HouseholdEvent, [
            "household", "kind", "date", "category", "risks", "method", "person", "reason",
            "source", "created_at",
        ])  # fmt: skip
        incomes = _Table(IncomeRecord, [
            "household", "year", "wage", "business", "property_income", "transfer",
            "business_cost", "claims", "compliant_spending", "members_counted", "net_income",
            "per_capita", "note",
        ])  # fmt: skip
        rng = self.rng
        index = 0
        counts = self._allocate(villages)
        self._home_village(plan, counts[0])
        for v, (place, how_many) in enumerate(zip(villages, counts, strict=True)):
            town, village, groups = place["town"], place["village"], place["groups"]
            for serial in range(1, how_many + 1):
                alleviated, category = plan.get(index, (False, ""))
                index += 1
                group = groups[min(len(groups) - 1, int(rng.random() * len(groups)))]
                hid = households.take_id()
                family = self._family()
                ethnicity = (
                    "汉族" if rng.random() < 0.993 else rng.choice(("土家族", "苗族", "回族"))
                )
                for m in family:
                    self._finish(m, ethnicity)
                if rng.random() < 0.015:
                    self._former_member(family)
                poor = alleviated or bool(category)
                risks = self._risks(category, family) if category else []
                members = [m for m in family if m.is_member]
                no_labour = not any(m.has_labour for m in members)
                dibao = rng.random() < (0.25 if poor else 0.02)
                if len(members) == 1 and members[0].age >= 60 and not members[0].has_labour:
                    tekun = rng.random() < (0.4 if poor else 0.05)
                    members[0].tekun, dibao = tekun, dibao and not tekun
                for m in members:
                    m.dibao = dibao
                year = rng.choices(range(2014, 2021), weights=(8, 12, 16, 18, 18, 16, 12))[0]
                status, history = self._history(
                    year if alleviated else None, category, risks, no_labour
                )
                records = self._incomes(family, status, dibao) if poor else []
                head = family[0]
                number = f"{village.code}{serial:06d}"
                phone = head.phone  # the household's phone is its 户主's (formats.md §1)
                households.add((
                    hid, number, group.pk, head.name,
                    f"{town.name}{village.name}{group.name}{rng.randint(1, 120)}号", phone,
                    status.is_alleviated, status.alleviated_year, status.category,
                    f"{RISK_SEPARATOR}{RISK_SEPARATOR.join(status.risks)}{RISK_SEPARATOR}"
                    if status.risks else "",
                    _d(status.identified_date), status.risk_eliminated,
                    _d(status.eliminated_date), status.elimination_method, no_labour,
                    _money(records[-1].per_capita) if records else None, len(members), now, now,
                ))  # fmt: skip
                for m in family:
                    pid = persons.take_id()
                    persons.add((
                        pid, hid, m.is_member, m.name, m.id_number, m.sex, _d(m.birth),
                        m.relation, m.ethnicity, m.education, m.schooling,
                        codes.join_multi(m.health), m.labour, m.employment, m.work_place,
                        m.phone, m.insured, m.dibao, m.tekun, now, now,
                    ))  # fmt: skip
                    born_in = m.birth >= REGISTER_START
                    memberships.add((
                        pid, hid, _d(m.birth) if born_in else None, "出生" if born_in else "原有",
                        _d(m.end_date), m.end_reason,
                    ))  # fmt: skip
                    if born_in:
                        events.add((hid, "member_added", _d(m.birth), "", "", "", pid, "出生",
                                    SOURCE, now))  # fmt: skip
                    if not m.is_member:
                        events.add((hid, "member_removed", _d(m.end_date), "", "", "", pid,
                                    m.end_reason, SOURCE, now))  # fmt: skip
                for e in history:
                    events.add((
                        hid, e["kind"], _d(e["date"]), e.get("category", ""), e.get("risks", ""),
                        e.get("method", ""), None, "", SOURCE, now,
                    ))  # fmt: skip
                for r in records:
                    incomes.add((
                        hid, r.year, str(r.wage), str(r.business), str(r.property_income),
                        str(r.transfer), str(r.business_cost), str(r.claims),
                        str(r.compliant_spending), r.members_counted, str(r.net_income),
                        str(r.per_capita), "",
                    ))  # fmt: skip
                self._count(status, len(members))
            if (v + 1) % 50 == 0:
                self.progress(f"已生成 {index}/{self.n} 户……")
        for table in (households, persons, memberships, events, incomes):
            table.flush()
        self._reset_sequences()
        with connection.cursor() as cursor:
            # Planner statistics for the freshly loaded tables (allowed inside the transaction).
            for table in (households, persons, memberships, events, incomes):
                cursor.execute(f"ANALYZE {table.table}")
        users = self._users(county, villages)
        self.counts.update(
            county=county.name,
            households=households.count,
            persons=persons.count,
            events=events.count,
            income_records=incomes.count,
            users=users,
        )
        audit.record(
            actor=None,
            action="import",
            object_type="registry.demo",
            object_repr=f"演示县 {county.name}",
            region_id=county.pk,
            after={k: v for k, v in self.counts.items() if k != "users"},
            note=f"fangpin demo 生成演示县：{households.count}户{persons.count}人",
        )
        return self.counts

    def _former_member(self, family: list[Member]) -> None:
        """A member who left (死亡 or 婚出) — kept in the records with the reason and date."""
        rng = self.rng
        head = family[0]
        if rng.random() < 0.6 and head.age <= 65:
            died = self._date_between(dt.date(2016, 1, 1), self.as_of)
            father = self._person(head.name[0], "男", head.age + rng.randint(24, 32), "之父")
            father.is_member, father.end_date, father.end_reason = False, died, "死亡"
            self._finish(father, head.ethnicity)
            family.append(father)
        elif head.age >= 45:
            daughter = self._person(head.name[0], "女", rng.randint(22, 30), "之女")
            left = self._date_between(dt.date(2016, 1, 1), self.as_of)
            if left > daughter.birth + dt.timedelta(days=365 * 20):
                daughter.is_member, daughter.end_date, daughter.end_reason = False, left, "婚出"
                self._finish(daughter, head.ethnicity)
                family.append(daughter)

    def _count(self, status: rules.HouseholdStatus, members: int) -> None:
        self.counts["members"] = self.counts.get("members", 0) + members
        self.counts["alleviated"] += status.is_alleviated
        if status.category:
            self.counts["monitored"] += 1
            self.counts["by_category"][status.category] += 1
            self.counts["eliminated"] += status.risk_eliminated

    def _reset_sequences(self) -> None:
        """Ids were assigned here; PostgreSQL's sequences must continue after them."""
        sql = connection.ops.sequence_reset_sql(
            no_style(), [Region, Household, Person, Membership, HouseholdEvent, IncomeRecord]
        )
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)

    def _users(self, county: Region, villages: list[dict[str, Any]]) -> list[str]:
        """One login per role (the names serve.py prints); the password is hashed once."""
        places = {
            "county": county,
            "town": villages[0]["town"],
            "town2": next(v["town"] for v in villages if v["town"] != villages[0]["town"]),
            "village": villages[0]["village"],
        }
        # The published demo password is weak on purpose; the password rules refuse it outside
        # demo mode (accounts.validators), so it is set here without them.
        hashed = make_password(DEMO_PASSWORD)
        users = [
            User(
                username=username,
                role=role,
                region=places[where],
                can_view_sensitive=sensitive,
                last_name=name,
                password=hashed,
            )
            for username, role, where, sensitive, name in DEMO_USERS
        ]
        User.objects.bulk_create(users)
        return [u.username for u in users]


def demo_usernames() -> Iterable[str]:
    return (u[0] for u in DEMO_USERS)


def vacuum() -> None:
    """After the load commits, let PostgreSQL answer counts from indexes alone (visibility map)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # VACUUM cannot run inside a transaction (a caller's, or a test's)
    with connection.cursor() as cursor:
        for model in (Household, Person, Membership, HouseholdEvent, IncomeRecord):
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def build_demo_county(
    *, households: int, seed: int, progress: Callable[[str], None] = lambda message: None
) -> dict[str, Any]:
    """Build the demo county in one transaction (nothing half-saved if anything fails)."""
    return CountyBuilder(households, seed, progress).build()


def build_app_demos(
    county: Region, *, seed: int, progress: Callable[[str], None] = lambda message: None
) -> dict[str, Any]:
    """The work in the demo county: every installed app's `<app>.demo.build_demo(county, as_of,
    seed) -> {name: count}` in INSTALLED_APPS order, each in its own transaction, dated from today
    (so that its due work is due now). An app adds its ledgers' demo rows by having such a module.
    """
    from importlib import import_module

    from django.apps import apps

    made: dict[str, Any] = {}
    as_of = today()
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        builder = getattr(module, "build_demo", None)
        if builder is None or config.name == "registry":
            continue
        started = time.perf_counter()
        with transaction.atomic():
            made[config.label] = builder(county, as_of, seed)
        progress(f"演示数据：{config.verbose_name}，用时{time.perf_counter() - started:.1f}秒")
    return made


def summary() -> dict[str, int]:
    """The county's figures as the home page and the dashboard count them (after the apps' demo
    work changed the register): what the terminal prints."""
    households = Household.objects.all()
    return {
        "households": households.count(),
        "persons": Person.objects.filter(is_member=True).count(),
        "alleviated": households.filter(is_alleviated=True).count(),
        "monitored": households.monitored().count(),
        "monitored_open": households.monitored().filter(risk_eliminated=False).count(),
    }
