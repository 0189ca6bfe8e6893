"""The built-in rules: department warnings and findings (DuckDB SQL over a batch and a snapshot of
the register) and the internal plausibility checks (ORM queries over the register).

Every rule returns rows with person_id, household_id, region_id, key (the evidence that makes an
item the same item next month) and the evidence fields its explanation template names. Parameters
come from the `Rule` row (defaults below, overridable per year by a county admin).

Batch SQL sees these relations:
  src — the batch's valid rows matched to current members: the file's columns (aliases in
        exchange.readers) plus person_id, household_id, region_id, birth_date, sex, health,
        labour_skill, schooling, employment, work_place, dibao, tekun, insured, alleviated,
        category, eliminated.
  med — for the 医保 rules, every 医保 batch's rows kept so far (deduplicated), joined the same way,
        so a total of the year spans monthly files.
Named parameters: $as_of plus the rule's parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, QuerySet

from core import hooks
from core.idnumber import age_on
from core.scoping import narrow

NOT_STUDENT = ("", "非在校生")
PRESCHOOL = ("", "非在校生", "学龄前儿童", "学前教育")
NO_LABOUR = ("无劳动力", "丧失劳动力", "弱劳动力或半劳动力")
HAS_LABOUR = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
FULL_LABOUR = ("普通劳动力", "技能劳动力")


@dataclass(frozen=True)
class RuleDef:
    """A built-in rule: metadata, default parameters and either SQL (batch) or a check function."""

    code: str
    name: str
    kind: str
    severity: str
    sources: tuple[str, ...]
    explanation: str
    parameters: dict = field(default_factory=dict)
    risk: str = ""
    sql: str = ""
    check: Callable[[Any, dict, dt.date], Iterable[dict]] | None = None
    description: str = ""


# --- department warnings ----------------------------------------------------------------------

# policy.md §7: 自付 "cumulative this year" — the calendar year of the comparison date, from
# 1 January (a rolling 12 months would carry last year's stays into this year's total).
_MED_SELFPAY = """
SELECT person_id, household_id, region_id, CAST(year($as_of) AS VARCHAR) AS key,
       CAST(year($as_of) AS VARCHAR) AS year, amount, settlements, threshold, grp
FROM (
  SELECT person_id, household_id, region_id, sum(self_paid) AS amount, count(*) AS settlements,
         CASE WHEN alleviated OR (category <> '' AND NOT eliminated)
              THEN $threshold_priority ELSE $threshold_general END AS threshold,
         CASE WHEN alleviated OR (category <> '' AND NOT eliminated)
              THEN '脱贫户和监测户' ELSE '一般农户' END AS grp
  FROM med
  WHERE year(settle_date) = year($as_of) AND settle_date <= $as_of
  GROUP BY person_id, household_id, region_id, alleviated, category, eliminated
) WHERE amount >= threshold
"""

_DIS_SEVERE = """
SELECT person_id, any_value(household_id) AS household_id, any_value(region_id) AS region_id,
       certificate || '|' || level AS key, level, any_value(disability_type) AS disability_type,
       min(issued_date) AS issued_date
FROM src
WHERE list_contains($levels, level) AND issued_date > $as_of - to_months(CAST($months AS INTEGER))
  AND issued_date <= $as_of
GROUP BY person_id, certificate, level
"""


def _age_sql(on: str) -> str:
    """Whole years of age on a date, in DuckDB SQL."""
    return (
        f"(date_diff('year', birth_date, {on}) - "
        f"(strftime({on}, '%m%d') < strftime(birth_date, '%m%d'))::INT)"
    )


_EDU_DROPOUT = f"""
SELECT person_id, household_id, region_id, '辍学|' || school AS key, school,
       max(updated_date) AS updated_date, {_age_sql("$as_of")} AS age
FROM src
WHERE status = '辍学' AND {_age_sql("$as_of")} BETWEEN $min_age AND $max_age
GROUP BY person_id, household_id, region_id, school, birth_date
"""

_HOUSING = """
SELECT min(person_id) AS person_id, household_id, any_value(region_id) AS region_id,
       grade || '|' || CAST(max(assessed_date) AS VARCHAR) AS key, grade,
       max(assessed_date) AS assessed_date
FROM src WHERE list_contains($grades, grade)
GROUP BY household_id, grade
"""

_DISASTER = """
SELECT min(person_id) AS person_id, household_id, any_value(region_id) AS region_id,
       disaster_type || '|' || CAST(disaster_date AS VARCHAR) AS key, disaster_type, disaster_date,
       sum(loss) AS loss, $min_loss AS min_loss
FROM src WHERE disaster_date <= $as_of
GROUP BY household_id, disaster_type, disaster_date
HAVING sum(loss) >= $min_loss
"""

_CIVIL_ENTRY = """
SELECT person_id, household_id, region_id,
       aid_type || '|' || CAST(min(start_date) AS VARCHAR) AS key,
       aid_type, min(start_date) AS start_date
FROM src
WHERE list_contains($aid_types, aid_type)
  AND start_date > $as_of - to_months(CAST($months AS INTEGER)) AND start_date <= $as_of
  -- 临时救助 is a one-off grant: its 结束日期 (often its 开始日期) is no term that ran out
  AND (end_date IS NULL OR end_date >= $as_of OR aid_type = '临时救助')
  AND (category = '' OR eliminated)
GROUP BY person_id, household_id, region_id, aid_type
"""

CIVIL_ENTRY_NAME = "新纳入低保/特困/临时救助/低保边缘/刚性支出困难"
CIVIL_ENTRY_AIDS = ("农村低保", "农村特困", "临时救助", "低保边缘", "刚性支出困难")

_AGE_AT = _age_sql("change_date")

_DEATH_WORKING = f"""
SELECT person_id, household_id, region_id, CAST(min(change_date) AS VARCHAR) AS key,
       min(change_date) AS change_date, min({_AGE_AT}) AS age
FROM src
WHERE change_type = '死亡' AND change_date <= $as_of AND {_AGE_AT} BETWEEN $min_age AND $max_age
GROUP BY person_id, household_id, region_id
"""

MED_SELFPAY_EXPLANATION = "{year}年累计个人自付医疗费用 {amount} 元，超过{grp}阈值 {threshold} 元"

# --- department findings ----------------------------------------------------------------------

_DIS_HEALTH = """
SELECT person_id, household_id, region_id, certificate AS key, certificate, level,
       disability_type, CASE WHEN health = '' THEN '未填写' ELSE health END AS health
FROM src
WHERE health NOT LIKE '%残疾%'
QUALIFY row_number() OVER (PARTITION BY person_id, certificate ORDER BY issued_date DESC) = 1
"""

_DEATH_MEMBER = """
SELECT person_id, household_id, region_id, CAST(min(change_date) AS VARCHAR) AS key,
       min(change_date) AS change_date
FROM src WHERE change_type = '死亡' AND change_date <= $as_of
GROUP BY person_id, household_id, region_id
"""

_EDU_SCHOOLING = """
SELECT person_id, household_id, region_id, status || '|' || schooling AS key,
       status, school, CASE WHEN schooling = '' THEN '未填写' ELSE schooling END AS schooling
FROM (
  SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY updated_date DESC) AS rn FROM src
)
WHERE rn = 1 AND (
  (status = '在读' AND list_contains($not_student, schooling))
  OR (status = '辍学' AND NOT list_contains($not_student, schooling))
)
"""

_CIVIL_STATUS = """
WITH per AS (
  SELECT person_id, household_id, region_id, dibao, tekun,
    bool_or(aid_type = '农村低保' AND start_date <= $as_of
            AND (end_date IS NULL OR end_date >= $as_of)) AS cur_dibao,
    bool_or(aid_type = '农村特困' AND start_date <= $as_of
            AND (end_date IS NULL OR end_date >= $as_of)) AS cur_tekun,
    bool_or(aid_type = '农村低保') AS any_dibao,
    bool_or(aid_type = '农村特困') AS any_tekun
  FROM src GROUP BY person_id, household_id, region_id, dibao, tekun
)
SELECT person_id, household_id, region_id, '低保|在保' AS key, '农村低保' AS aid_type,
       '在保' AS dept_state, '是否享受低保' AS field,
       CASE WHEN dibao IS NULL THEN '未填写' ELSE '否' END AS register
FROM per WHERE cur_dibao AND dibao IS NOT TRUE
UNION ALL
SELECT person_id, household_id, region_id, '低保|已停保', '农村低保', '已停保', '是否享受低保', '是'
FROM per WHERE any_dibao AND NOT cur_dibao AND dibao IS TRUE
UNION ALL
SELECT person_id, household_id, region_id, '特困|在保', '农村特困', '在保', '是否特困供养',
       CASE WHEN tekun IS NULL THEN '未填写' ELSE '否' END
FROM per WHERE cur_tekun AND tekun IS NOT TRUE
UNION ALL
SELECT person_id, household_id, region_id, '特困|已停保', '农村特困', '已停保', '是否特困供养', '是'
FROM per WHERE any_tekun AND NOT cur_tekun AND tekun IS TRUE
"""

_INSURANCE = """
SELECT person_id, household_id, region_id, 'insured' AS key, count(*) AS settlements,
       max(settle_date) AS last_date
FROM src WHERE insured IS FALSE
GROUP BY person_id, household_id, region_id
"""

_EMPLOYMENT = """
WITH latest AS (
  SELECT * FROM src
  QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY updated_date DESC) = 1
), judged AS (
  SELECT person_id, household_id, region_id, place, employment, work_place,
    CASE
      WHEN status = '已就业' AND employment IN ('', '未务工') THEN 'status'
      WHEN status = '未就业' AND employment NOT IN ('', '未务工') THEN 'status'
      WHEN status = '已就业' AND place <> '' AND work_place = '' THEN 'place_missing'
      WHEN status = '已就业' AND place <> '' AND work_place <> ''
           AND NOT contains(place, work_place) AND NOT contains(work_place, place) THEN 'place'
    END AS problem,
    status
  FROM latest
)
SELECT person_id, household_id, region_id, problem || '|' || status || '|' || place AS key,
  CASE WHEN place = '' THEN status ELSE status || '（' || place || '）' END AS dept_state,
  CASE problem
    WHEN 'status' THEN
      '务工状况为“' || CASE WHEN employment = '' THEN '未填写' ELSE employment END || '”'
    WHEN 'place_missing' THEN '务工状况为“' || employment || '”，未录入务工地点'
    ELSE '务工地点为“' || work_place || '”'
  END AS register_state
FROM judged WHERE problem IS NOT NULL
"""


_YULU = """
SELECT person_id, household_id, region_id, school || '|' || stage AS key, school, stage,
       max(updated_date) AS updated_date
FROM src
WHERE status = '在读' AND (list_contains($stages, stage) OR regexp_matches(grade, '中职|高职'))
  AND (alleviated OR (category <> '' AND NOT eliminated))
GROUP BY person_id, household_id, region_id, school, stage
"""

_EMPLOY_MEASURE = """
SELECT min(person_id) AS person_id, household_id, any_value(region_id) AS region_id,
       'unemployed' AS key, count(DISTINCT person_id) AS unemployed
FROM src
WHERE household_id IN (
  SELECT household_id FROM measures
  WHERE category = '就业帮扶' AND status IN ('planned', 'ongoing')
    AND (start_date IS NULL OR start_date <= $as_of) AND (end_date IS NULL OR end_date >= $as_of)
)
GROUP BY household_id
HAVING bool_and(status = '未就业')
"""


# --- internal checks (no department file) -----------------------------------------------------


def _persons(region: Any) -> QuerySet:
    from registry.models import Person

    return narrow(Person.objects.filter(is_member=True), region, "household__region")


def _households(region: Any) -> QuerySet:
    from registry.models import Household

    return narrow(Household.objects.all(), region)


def _born_between(oldest: int, youngest: int, on: dt.date) -> Q:
    """Ages youngest..oldest (inclusive) on a date, as a birth-date range."""
    latest = _years_before(on, youngest)
    earliest = _years_before(on, oldest + 1) + timedelta(days=1)
    return Q(birth_date__gte=earliest, birth_date__lte=latest)


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


_PERSON_FIELDS = (
    "id",
    "household_id",
    "household__region_id",
    "birth_date",
    "health",
    "labour_skill",
    "schooling",
    "employment",
)


def _person_rows(qs: QuerySet, on: dt.date, key: Callable[[dict], str]) -> Iterable[dict]:
    """Shape ORM rows (already filtered set-wise in the database) as rule rows."""
    for p in qs.values(*_PERSON_FIELDS).iterator(chunk_size=2000):
        yield {
            "person_id": p["id"],
            "household_id": p["household_id"],
            "region_id": p["household__region_id"],
            "key": key(p),
            "age": age_on(p["birth_date"], on) if p["birth_date"] else "",
            "health": p["health"] or "未填写",
            "labour": p["labour_skill"] or "未填写",
            "schooling": p["schooling"] or "未填写",
            "employment": p["employment"] or "未填写",
        }


def check_age_labour(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """16–60 岁、健康、非在校生，劳动技能却为无/丧失/弱劳动力 (rule 27, fuping 5_12_008)."""
    qs = _persons(region).filter(
        _born_between(params["max_age"], params["min_age"], on),
        health="健康",
        schooling__in=NOT_STUDENT,
        labour_skill__in=NO_LABOUR,
    )
    return _person_rows(qs, on, lambda p: p["labour_skill"])


def check_under16_work(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """未满16周岁却有劳动力或务工 (rule 27, fuping 5_12_004)."""
    qs = _persons(region).filter(birth_date__gt=_years_before(on, params["age"]))
    qs = qs.filter(~Q(labour_skill__in=("", "无劳动力")) | ~Q(employment__in=("", "未务工")))
    return _person_rows(qs, on, lambda p: f"{p['labour_skill']}|{p['employment']}")


def check_school_age(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """义务教育年龄却不在校 (控辍保学, rule 27)."""
    qs = _persons(region).filter(
        _born_between(params["max_age"], params["min_age"], on), schooling__in=PRESCHOOL
    )
    return _person_rows(qs, on, lambda p: p["schooling"])


def check_tekun_able(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """特困供养人员 18–60 岁、健康、非在校生 (fuping 5_15_018)."""
    qs = _persons(region).filter(
        _born_between(params["max_age"], params["min_age"], on),
        tekun=True,
        health="健康",
        schooling__in=NOT_STUDENT,
    )
    return _person_rows(qs, on, lambda p: "特困")


def check_head_spouse_sex(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """户主与配偶性别相同（与户主关系为“配偶”的成员与户主同性别）。"""
    qs = _persons(region).filter(
        relation="配偶",
        household__persons__relation="户主",
        household__persons__is_member=True,
        household__persons__sex=F("sex"),
    )
    return _person_rows(qs, on, lambda p: "同性")


def check_expired_posts(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """公益岗位帮扶措施已到期仍为计划/实施中 (合同到期未续签或未撤销, seed 003 #7)."""
    qs = hooks.call("assistance.measures").filter(
        category="公益岗位帮扶", status__in=["planned", "ongoing"], end_date__lt=on
    )
    labels = dict(qs.model.Status.choices)
    qs = narrow(qs, region, "household__region")
    for m in qs.values(
        "id", "household_id", "household__region_id", "subtype", "end_date", "status"
    ).iterator(chunk_size=2000):
        yield {
            "person_id": None,
            "household_id": m["household_id"],
            "region_id": m["household__region_id"],
            "key": f"measure{m['id']}",
            "subtype": m["subtype"] or "公益岗位",
            "end_date": m["end_date"],
            "status": str(labels[m["status"]]),
        }


def _household_rows(qs: QuerySet, key: Callable[[dict], str]) -> Iterable[dict]:
    for h in qs.values(
        "id", "region_id", "risks", "identified_date", "eliminated_date", "elimination_method"
    ).iterator(chunk_size=2000):
        yield {
            "person_id": None,
            "household_id": h["id"],
            "region_id": h["region_id"],
            "key": key(h),
            "risks": h["risks"].strip(","),
            "identified_date": h["identified_date"],
            "eliminated_date": h["eliminated_date"],
            "method": h["elimination_method"] or "未填写",
        }


def _risk(qs: QuerySet, risk: str) -> QuerySet:
    return qs.filter(risks__contains=f",{risk},")


def check_ill_without_patient(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """风险含因病，但没有患大病或长期慢性病的成员 (rule 16)."""
    ill = _persons(None).filter(Q(health__contains="大病") | Q(health__contains="慢性病"))
    qs = _risk(_households(region), "因病").exclude(pk__in=ill.values("household_id"))
    return _household_rows(qs, lambda h: "因病")


def check_work_without_labour(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """风险含因务工就业不稳，但没有有劳动能力的成员 (rule 16)."""
    able = _persons(None).filter(labour_skill__in=HAS_LABOUR)
    qs = _risk(_households(region), "因务工就业不稳").exclude(pk__in=able.values("household_id"))
    return _household_rows(qs, lambda h: "因务工就业不稳")


def check_lack_labour(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """风险含缺劳动力，但多数成员有劳动能力 (rule 16, fuping 5_15_020)."""
    qs = (
        _risk(_households(region), "缺劳动力")
        .annotate(
            members=Count("persons", filter=Q(persons__is_member=True)),
            able=Count(
                "persons",
                filter=Q(persons__is_member=True, persons__labour_skill__in=FULL_LABOUR),
            ),
        )
        .filter(able__gt=F("members") / 2.0)
    )
    return _household_rows(qs, lambda h: "缺劳动力")


def _eliminated_within(region: Any, days: int) -> QuerySet:
    limit = ExpressionWrapper(F("identified_date") + timedelta(days=days), output_field=DateField())
    return _households(region).filter(
        risk_eliminated=True,
        identified_date__isnull=False,
        eliminated_date__isnull=False,
        eliminated_date__lt=limit,
    )


def check_early_elimination(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """识别不满6个月即标注风险消除 (rules 21, 24)."""
    qs = _eliminated_within(region, int(params["days"]))
    return _household_rows(qs, lambda h: f"{h['identified_date']}|{h['eliminated_date']}")


def check_quick_assisted_elimination(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """帮扶消除距识别不超过2个月 (rule 24, fuping 5_18_009)."""
    qs = _eliminated_within(region, int(params["days"]) + 1).filter(elimination_method="帮扶消除")
    return _household_rows(qs, lambda h: f"{h['identified_date']}|{h['eliminated_date']}")


def check_no_labour_eliminated(region: Any, params: dict, on: dt.date) -> Iterable[dict]:
    """整户无劳动能力兜底保障户被标注风险消除 (rule 22)."""
    qs = _households(region).filter(no_labour=True, risk_eliminated=True)
    return _household_rows(qs, lambda h: f"{h['eliminated_date']}")


BUILTIN: tuple[RuleDef, ...] = (
    RuleDef(
        "W_MED_SELFPAY",
        "医保个人自付费用高",
        "warning",
        "red",
        ("medical",),
        MED_SELFPAY_EXPLANATION,
        {"threshold_priority": 5000, "threshold_general": 20000},
        risk="因病",
        sql=_MED_SELFPAY,
    ),
    RuleDef(
        "W_DIS_SEVERE",
        "新办重度残疾人证",
        "warning",
        "red",
        ("disability",),
        "{issued_date}办理{disability_type}残疾人证，等级为{level}（重度残疾）",
        {"levels": ["一级", "二级"], "months": 12},
        risk="因残",
        sql=_DIS_SEVERE,
    ),
    RuleDef(
        "W_EDU_DROPOUT",
        "学龄儿童辍学",
        "warning",
        "red",
        ("education",),
        "教育部门学籍状态为辍学（{school}，{updated_date}更新），年龄{age}岁",
        # policy.md §6, 义务教育有保障: 义务教育阶段适龄儿童少年 are aged 6–15.
        {"min_age": 6, "max_age": 15},
        risk="因学",
        sql=_EDU_DROPOUT,
    ),
    RuleDef(
        "W_HOUSING_CD",
        "住房鉴定为C/D级危房",
        "warning",
        "red",
        ("housing",),
        "住房安全鉴定为{grade}级危房（{assessed_date}鉴定）",
        {"grades": ["C", "D"]},
        risk="因安全住房",
        sql=_HOUSING,
    ),
    RuleDef(
        "W_DISASTER",
        "受灾损失较大",
        "warning",
        "yellow",
        ("disaster",),
        "{disaster_date}遭受{disaster_type}，损失 {loss} 元，达到预警线 {min_loss} 元",
        {"min_loss": 10000},
        risk="因自然灾害",
        sql=_DISASTER,
    ),
    RuleDef(
        "W_CIVIL_ENTRY",
        CIVIL_ENTRY_NAME,
        "warning",
        "yellow",
        ("civil",),
        "民政部门自{start_date}起将其纳入{aid_type}，该户不是未消除风险的监测对象",
        # policy.md §7: 民政 pushes new 低保, 特困 and 临时救助; rule 39 the 低收入人口 kinds.
        {"aid_types": list(CIVIL_ENTRY_AIDS), "months": 12},
        sql=_CIVIL_ENTRY,
    ),
    RuleDef(
        "W_DEATH_WORKING",
        "劳动年龄成员死亡",
        "warning",
        "yellow",
        ("civil_registry",),
        "公安户籍显示其于{change_date}死亡（{age}岁，劳动年龄人口）",
        {"min_age": 16, "max_age": 60},
        risk="缺劳动力",
        sql=_DEATH_WORKING,
    ),
    RuleDef(
        "F_DIS_HEALTH",
        "持残疾人证但健康状况未标残疾",
        "finding",
        "yellow",
        ("disability",),
        "残联有残疾人证（{certificate}，{disability_type}{level}），台账健康状况为“{health}”，"
        "未标注残疾",
        sql=_DIS_HEALTH,
    ),
    RuleDef(
        "F_DEATH_MEMBER",
        "已死亡仍为在户成员",
        "finding",
        "red",
        ("civil_registry",),
        "公安户籍显示其于{change_date}死亡，台账中仍为在户成员",
        sql=_DEATH_MEMBER,
    ),
    RuleDef(
        "F_EDU_SCHOOLING",
        "在校生状况与学籍不符",
        "finding",
        "yellow",
        ("education",),
        "教育部门学籍状态为{status}（{school}），台账在校生状况为“{schooling}”",
        {"not_student": list(PRESCHOOL)},
        sql=_EDU_SCHOOLING,
    ),
    RuleDef(
        "F_CIVIL_STATUS",
        "低保/特困标识与民政不符",
        "finding",
        "yellow",
        ("civil",),
        "民政：{aid_type}{dept_state}；台账“{field}”为{register}",
        sql=_CIVIL_STATUS,
    ),
    RuleDef(
        "F_INSURANCE",
        "有医保结算但台账未参保",
        "finding",
        "yellow",
        ("medical",),
        "医保有{settlements}笔结算记录（最近{last_date}），台账“是否参加城乡居民基本医疗保险”为否",
        sql=_INSURANCE,
    ),
    RuleDef(
        "F_EMPLOYMENT",
        "务工信息与人社不符",
        "finding",
        "yellow",
        ("employment",),
        "人社：{dept_state}；台账：{register_state}",
        sql=_EMPLOYMENT,
    ),
    RuleDef(
        "F_YULU",
        "中高职学生应享雨露计划",
        "finding",
        "yellow",
        ("education",),
        "教育部门学籍为{school}{stage}在读，该户为脱贫户或监测户，应核实是否已申报雨露计划补助",
        {"stages": ["中职", "高职", "高职高专"]},
        risk="因学",
        sql=_YULU,
    ),
    RuleDef(
        "F_EMPLOY_MEASURE",
        "就业帮扶措施未见就业",
        "finding",
        "yellow",
        ("employment",),
        "该户有实施中的就业帮扶措施，但人社登记的{unemployed}名成员均未就业",
        risk="因务工就业不稳",
        sql=_EMPLOY_MEASURE,
    ),
    RuleDef(
        "C_POST_EXPIRED",
        "公益岗位已到期仍在实施",
        "finding",
        "yellow",
        ("register",),
        "公益岗位帮扶措施（{subtype}）已于{end_date}到期，状态仍为“{status}”，请续签或终止",
        check=check_expired_posts,
    ),
    RuleDef(
        "C_AGE_LABOUR",
        "劳动年龄健康人口标为无劳动力",
        "finding",
        "yellow",
        ("register",),
        "{age}岁、健康、非在校生，劳动技能却为“{labour}”",
        {"min_age": 16, "max_age": 60},
        check=check_age_labour,
    ),
    RuleDef(
        "C_UNDER16_WORK",
        "未满16周岁有劳动力或务工",
        "finding",
        "red",
        ("register",),
        "{age}岁未满16周岁，劳动技能为“{labour}”，务工状况为“{employment}”",
        {"age": 16},
        check=check_under16_work,
    ),
    RuleDef(
        "C_SCHOOL_AGE",
        "义务教育年龄未在校",
        "finding",
        "red",
        ("register",),
        "{age}岁处于义务教育年龄，在校生状况为“{schooling}”",
        {"min_age": 7, "max_age": 15},
        risk="因学",
        check=check_school_age,
    ),
    RuleDef(
        "C_TEKUN_ABLE",
        "特困供养人员为健康劳动年龄人口",
        "finding",
        "yellow",
        ("register",),
        "特困供养人员{age}岁、健康、非在校生",
        {"min_age": 18, "max_age": 60},
        check=check_tekun_able,
    ),
    RuleDef(
        "C_HEAD_SPOUSE_SEX",
        "户主与配偶性别相同",
        "finding",
        "yellow",
        ("register",),
        "配偶与户主性别相同",
        check=check_head_spouse_sex,
    ),
    RuleDef(
        "C_ILL_NO_PATIENT",
        "因病风险但无患病成员",
        "finding",
        "yellow",
        ("register",),
        "风险类型为“{risks}”，但没有患大病或长期慢性病的成员",
        check=check_ill_without_patient,
    ),
    RuleDef(
        "C_WORK_NO_LABOUR",
        "因务工就业不稳但无劳动力",
        "finding",
        "yellow",
        ("register",),
        "风险类型为“{risks}”，但没有有劳动能力的成员",
        check=check_work_without_labour,
    ),
    RuleDef(
        "C_LACK_LABOUR",
        "缺劳动力但多数成员有劳动力",
        "finding",
        "yellow",
        ("register",),
        "风险类型为“{risks}”，但多数成员为普通或技能劳动力",
        check=check_lack_labour,
    ),
    RuleDef(
        "C_ELIM_6M",
        "识别不满6个月即消除风险",
        "finding",
        "yellow",
        ("register",),
        "{identified_date}识别，{eliminated_date}即标注风险消除（{method}），不满6个月",
        {"days": 183},
        check=check_early_elimination,
    ),
    RuleDef(
        "C_ELIM_2M",
        "帮扶消除距识别不超过2个月",
        "finding",
        "red",
        ("register",),
        "{identified_date}识别，{eliminated_date}即以帮扶消除标注风险消除，不超过2个月",
        {"days": 61},
        check=check_quick_assisted_elimination,
    ),
    RuleDef(
        "C_NOLABOUR_ELIM",
        "整户无劳动力户被标注风险消除",
        "finding",
        "red",
        ("register",),
        "整户无劳动能力兜底保障户于{eliminated_date}被标注风险消除",
        check=check_no_labour_eliminated,
    ),
)

BY_CODE = {r.code: r for r in BUILTIN}
