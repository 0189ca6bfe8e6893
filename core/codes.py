"""Code tables (policy.md §8.2, formats.md §1): the values the register accepts, with aliases.

Each table maps a canonical label to itself and every accepted alias to its label; `lookup` folds
full-width characters and spaces first, and `suggest` names the nearest valid value for a message.

The values here are the national defaults. An office's edits (values added, defaults retired,
aliases added; `core.models.CodeEdit`, changed through `core.services`) are differences kept in
the database and merged into the same in-memory index: read once per request or import (a
version token, one query; the edits themselves only when it changed), never per cell. A retired
value is refused by imports and left out of forms; stored data keeps it and `known` still lists
it for the figures.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RELATIONS = (
    "户主",
    "配偶",
    "之子",
    "之女",
    "之儿媳",
    "之女婿",
    "之孙子",
    "之孙女",
    "之外孙子",
    "之外孙女",
    "之父",
    "之母",
    "之岳父",
    "之岳母",
    "之公公",
    "之婆婆",
    "之祖父",
    "之祖母",
    "之外祖父",
    "之外祖母",
    "之兄弟姐妹",
    "其他",
)
RISKS = (
    "因病",
    "因残",
    "因学",
    "因自然灾害",
    "因意外事故",
    "因产业项目失败",
    "因务工就业不稳",
    "缺劳动力",
    "因安全住房",
    "因安全饮水",
    "其他",
)
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
LABOUR = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
EDUCATION = (
    "文盲或半文盲",
    "小学",
    "初中",
    "高中",
    "大专",
    "本科及以上",
    "大专及以上",
    "硕士生及以上",
    "学龄前儿童",
)
SCHOOLING = (
    "非在校生",
    "学龄前儿童",
    "学前教育",
    "小学",
    "七年级",
    "八年级",
    "九年级",
    "高中一年级",
    "高中二年级",
    "高中三年级",
    "中职一年级",
    "中职二年级",
    "中职三年级",
    "高职高专一年级",
    "高职高专二年级",
    "高职高专三年级",
    "大专及以上",
    "本科",
    "硕士生及以上",
)
EMPLOYMENT = ("县外省内务工", "省外务工", "县内务工", "乡镇内务工", "未务工")
ELIMINATION_METHODS = ("帮扶消除", "自然消除")
# Why a household stops being a 监测对象 (剔除, 识别不精准退出) or a 脱贫户 (清退); an import of the
# national system's register that clears the mark says 国家系统导入 unless its 退出原因 column says.
EXIT_REASONS = ("剔除", "清退", "识别不精准退出", "国家系统导入", "其他")
# The reasons a monitoring procedure may end a household's monitoring (county decision).
MONITORING_EXIT_REASONS = ("剔除", "识别不精准退出")
SEXES = ("男", "女")
ETHNICITIES = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
)
DEVELOPMENTAL_LABOUR = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")


def _numbered(labels: dict[int, str]) -> dict[str, str]:
    """A national code table's numbers as aliases of their labels: 01 as the national system
    writes it, and 1 as a spreadsheet holds 01 typed into a number cell."""
    return {form: label for n, label in labels.items() for form in (f"{n:02d}", str(n))}


# The old national system's codes (policy.md §8.2); 13–15 are the older labels of 高职高专.
SCHOOLING_NUMBERS = {
    1: "非在校生",
    2: "学前教育",
    3: "小学",
    4: "七年级",
    5: "八年级",
    6: "九年级",
    7: "高中一年级",
    8: "高中二年级",
    9: "高中三年级",
    10: "中职一年级",
    11: "中职二年级",
    12: "中职三年级",
    13: "高职高专一年级",
    14: "高职高专二年级",
    15: "高职高专三年级",
    16: "大专及以上",
}
# Stages of 在校生状况: a wrong value's hint stays in the stage the value names (小学一年级 is not
# 高中一年级). Each: the words that name the stage, and its labels.
SCHOOLING_STAGES = (
    (("学前", "学龄前", "幼儿"), ("学龄前儿童", "学前教育")),
    (("小学",), ("小学",)),
    (("初中", "七年级", "八年级", "九年级"), ("七年级", "八年级", "九年级")),
    (("高中",), ("高中一年级", "高中二年级", "高中三年级")),
    (("中职", "中专"), ("中职一年级", "中职二年级", "中职三年级")),
    (("高职", "高专"), ("高职高专一年级", "高职高专二年级", "高职高专三年级")),
    (("大专",), ("大专及以上",)),
    (("本科",), ("本科",)),
    (("硕士", "研究生"), ("硕士生及以上",)),
)
HINT_STAGES: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    "schooling": SCHOOLING_STAGES
}

ALIASES: dict[str, dict[str, str]] = {
    # The national relation codes are not read (policy.md §8.2 has two tables whose 10 and 20
    # differ: 之外孙女 or 配偶); the labels of both are, where they name one relation.
    "relation": {
        "本人": "户主",
        "本人或户主": "户主",
        "子": "之子",
        "女": "之女",
        "兄弟姐妹": "之兄弟姐妹",
    },
    "risk": {
        "因灾": "因自然灾害",
        "住房出现安全问题": "因安全住房",
        "饮水安全问题": "因安全饮水",
        "因务工就业不稳定": "因务工就业不稳",
        "因产业失败": "因产业项目失败",
    },
    "health": {
        "患大病": "患有大病",
        "慢性病": "长期慢性病",
        **_numbered({1: "健康", 2: "长期慢性病", 3: "患有大病", 4: "残疾"}),
    },
    "labour": {
        "弱劳动力": "弱劳动力或半劳动力",
        "半劳动力": "弱劳动力或半劳动力",
        **_numbered({1: "普通劳动力", 2: "技能劳动力", 3: "丧失劳动力", 4: "无劳动力"}),
    },
    "education": _numbered(
        {1: "文盲或半文盲", 2: "小学", 3: "初中", 4: "高中", 5: "大专及以上", 6: "学龄前儿童"}
    ),
    # GB/T 3304's numbers: ETHNICITIES is in its order, 01 汉族 … 56 基诺族, then 97 其他.
    "ethnicity": {
        "汉": "汉族",
        **_numbered(dict(enumerate(ETHNICITIES[:-1], start=1))),
        **_numbered({97: "其他"}),
    },
    "schooling": {
        "学龄前": "学龄前儿童",
        **{f"高职{n}年级": f"高职高专{n}年级" for n in "一二三"},
        **{f"小学{n}年级": "小学" for n in "一二三四五六"},
        **_numbered(SCHOOLING_NUMBERS),
    },
    "employment": {"省内县外务工": "县外省内务工"},
}

TABLES: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "relation": RELATIONS,
    "risk": RISKS,
    "health": HEALTH,
    "labour": LABOUR,
    "education": EDUCATION,
    "schooling": SCHOOLING,
    "employment": EMPLOYMENT,
    "elimination_method": ELIMINATION_METHODS,
    "exit_reason": EXIT_REASONS,
    "sex": SEXES,
    "ethnicity": ETHNICITIES,
}


# Chinese names of the tables, for the settings page and the `fangpin codes` command; a
# ledger's own tables are named by their layout (core.layout.Layout).
TITLES: dict[str, str] = {
    "category": "监测对象类别",
    "relation": "与户主关系",
    "risk": "风险类型",
    "health": "健康状况",
    "labour": "劳动技能",
    "education": "文化程度",
    "schooling": "在校生状况",
    "employment": "务工状况",
    "elimination_method": "风险消除方式",
    "exit_reason": "退出原因",
    "sex": "性别",
    "ethnicity": "民族",
}
# The longest value a table's column stores (the register's fields); other tables: MAX_VALUE.
MAX_VALUE = 20
LIMITS: dict[str, int] = {
    "category": 10,
    "relation": 10,
    "risk": 10,
    "health": 10,
    "labour": 12,
    "education": 10,
    "schooling": 10,
    "employment": 10,
    "sex": 2,
    "ethnicity": 10,
    "elimination_method": 10,
    "exit_reason": 10,
}
# Tables an office may not edit: rules and figures name their values one by one (the three
# categories, 帮扶消除/自然消除, the exit reasons a procedure writes), or a model field takes
# only its own choices (性别, 与户主关系, 线索来源, 措施类别). Ledgers add theirs (ledgers.kit).
FIXED: set[str] = {
    "category",
    "elimination_method",
    "exit_reason",
    "sex",
    "relation",
    "lead_source",
    "measure",
    # A workflow's states (PostRow.Status; projects.models.STATUSES feeds projects.figures).
    "posts.status",
    "projects.status",
}
# Values that code names one by one (rules, checks, figures, default questionnaires): an office
# may add values to these tables and aliases to any value, but may not retire these. Keyed by
# table name (a ledger's table by `layout.column`); `protected` reads it.
PROTECTED: dict[str, frozenset[str]] = {
    name: frozenset(values)
    for name, values in {
        # exchange.rules, monitoring.assessment/checks/services (绿色通道), benefits.checks,
        # assistance.services (the default 集中排查 questionnaire raises leads with these).
        "risk": (
            "因病", "因残", "因学", "因自然灾害", "因意外事故", "因务工就业不稳", "缺劳动力",
            "因安全住房", "因安全饮水", "其他",
        ),
        # registry.forms (健康 alone), monitoring.assessment/checks, assistance.checks.
        "health": HEALTH,
        "labour": LABOUR,  # exchange.rules (rule 27)
        "education": ("学龄前儿童",),  # exchange.rules
        "schooling": ("非在校生", "学龄前儿童", "学前教育"),  # exchange.rules
        "employment": EMPLOYMENT,  # employment.figures (OUT, LOCAL, 未务工), employment.services
        # benefits.checks, benefits.reporting, exchange.rules
        "yulu.term": ("春季", "秋季"),
        "yulu.level": ("中职", "高职"),
        "education_aid.term": ("春季", "秋季"),
        "education_aid.stage": ("学前", "小学", "初中", "高中", "中职", "高职", "本科"),
        # duty.checks (Z01), duty.figures, duty.reporting, duty.services
        "work_teams.post": ("第一书记",),
        "inspections.kind": ("工作提示", "学习", "例会", "纪律督查", "业务督查", "暗访", "培训"),
        "rectification.source": ("督查", "暗访", "自查", "信访", "系统问题数据"),
        "rectification.measure_type": ("限时整改",),
        # employment.checks, employment.reporting, livelihood.checks
        "employment.form": ("公益性岗位",),
        "labour_subsidy.kind": ("一次性交通补贴", "外出务工补助"),
        "industry_aid.item": ("到户产业奖补", "三业奖补", "庭院经济奖补"),
        # livelihood.checks, livelihood.figures, livelihood.services
        "posts.category": ("光伏公益性岗位",),
        "posts.funding": ("光伏收益",),
        "loans.use_mode": ("户贷企用", "户贷社用"),
        "loans.repayment": ("已结清", "逾期"),
        # projects.checks, projects.workbook
        "assets.category": ("经营性",),
        "assets.status": ("闲置", "损毁", "已处置"),
    }.items()
}  # fmt: skip


def protected(table: str) -> frozenset[str]:
    """The values of `table` that code names (PROTECTED): they may not be retired."""
    return PROTECTED.get(table, frozenset())


def fold(text: object) -> str:
    """Full-width to half-width, strip every space: how headers and values are compared."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


# -- an office's edits (core.models.CodeEdit), loaded once into the in-memory index -------------


@dataclass(frozen=True)
class Edits:
    """What an office changed in one table: values added (in effect or since retired), values
    retired (defaults or added) and aliases added ({alias: value})."""

    added: tuple[str, ...] = ()
    retired: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)


_NONE = Edits()
_EDITS: dict[str, Edits] = {}
# The edits in memory: the version token they were read at, the year they apply to, and
# whether a request or an import since asked for them to be checked again (`expire`).
_loaded: dict[str, Any] = {"token": "", "year": 0, "expired": False}
_on_change: list[Callable[[], None]] = []


def _in_effect(table: str) -> tuple[str, ...]:
    edits = _EDITS.get(table, _NONE)
    known = TABLES[table] + edits.added
    return tuple(v for v in known if v not in edits.retired) if edits.retired else known


def _index(table: str) -> dict[str, str]:
    values = _in_effect(table)
    index = {fold(v): v for v in values}
    aliases = {**ALIASES.get(table, {}), **_EDITS.get(table, _NONE).aliases}
    allowed = set(values)
    for alias, target in aliases.items():
        if target in allowed:  # an alias of a retired value is retired with it
            index.setdefault(fold(alias), target)
    return index


_INDEXES = {name: _index(name) for name in TABLES}


def register_table(
    name: str,
    values: Iterable[str],
    aliases: dict[str, str] | None = None,
    *,
    title: str = "",
    max_length: int | None = None,
    fixed: bool = False,
) -> None:
    """Add a code table (a ledger's own list of values), with its aliases, its Chinese name,
    the longest value its column stores, and whether it is `fixed` (not editable)."""
    TABLES[name] = tuple(values)
    ALIASES[name] = dict(aliases or {})
    if title:
        TITLES[name] = title
    if max_length is not None:
        LIMITS[name] = max_length
    if fixed:
        FIXED.add(name)
    _INDEXES[name] = _index(name)


def declare(name: str, *, max_length: int | None = None, fixed: bool = False) -> None:
    """What a table's storage allows: the longest value its column holds, and `fixed` when the
    column only takes the model's own choices (a status a workflow moves through)."""
    if max_length is not None:
        LIMITS[name] = max_length
    if fixed:
        FIXED.add(name)


def forget_table(name: str) -> None:
    """Drop a provisional table (a ledger's list before its layout named it)."""
    for registry in (TABLES, ALIASES, TITLES, LIMITS, _INDEXES):
        registry.pop(name, None)  # type: ignore[attr-defined]
    FIXED.discard(name)


def title(table: str) -> str:
    """A table's Chinese name (its key when it has none)."""
    return TITLES.get(table, table)


def on_change(callback: Callable[[], None]) -> None:
    """Call `callback` whenever the tables in effect change (memos of parsed cells)."""
    _on_change.append(callback)


def expire() -> None:
    """Check the edits again at the next use (each request: another process may have edited)."""
    _loaded["expired"] = True


def ensure_current() -> None:
    """Load the edits if a request or an import asked for them to be checked (`expire`)."""
    if _loaded["expired"]:
        refresh()


def refresh() -> None:
    """Read the edits' version (one query) and, only if it or the year changed, the edits."""
    from core.dates import today
    from core.models import CodeEdit, CodeTablesVersion

    _loaded["expired"] = False
    token = CodeTablesVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
    year = today().year
    if token == _loaded["token"] and (not token or year == _loaded["year"]):
        return
    _apply(merge(CodeEdit.objects.rows(year)) if token else {}, token, year)


def merge(rows: Iterable[tuple[str, str, str, str]]) -> dict[str, Edits]:
    """The edits of each table from its rows (table, value, action, target), oldest year first:
    a later year's row overrides an earlier one's (a value retired in 2025 and restored in 2026)."""
    added: dict[str, list[str]] = {}
    retired: dict[str, set[str]] = {}
    aliases: dict[str, dict[str, str]] = {}
    for table, value, action, target in rows:
        gone = retired.setdefault(table, set())
        if action == "add":
            new = added.setdefault(table, [])
            if value in gone:
                gone.discard(value)
            elif value not in TABLES.get(table, ()) and value not in new:
                new.append(value)
        elif action == "retire":
            gone.add(value)
            # A value retired in the year it was added (its only row): added, then retired.
            new = added.setdefault(table, [])
            if value not in TABLES.get(table, ()) and value not in new:
                new.append(value)
        elif action == "alias":
            aliases.setdefault(table, {})[value] = target
    names = set(added) | {t for t, v in retired.items() if v} | set(aliases)
    return {
        t: Edits(tuple(added.get(t, ())), frozenset(retired.get(t, ())), aliases.get(t, {}))
        for t in names
    }


def _apply(edits: dict[str, Edits], token: str, year: int) -> None:
    _EDITS.clear()
    _EDITS.update(edits)
    _INDEXES.update({name: _index(name) for name in TABLES})
    _loaded.update(token=token, year=year, expired=False)
    for callback in _on_change:
        callback()


def reset() -> None:
    """Back to the national defaults in memory (tests: a rolled-back edit leaves no trace)."""
    if _EDITS or _loaded["token"]:
        _apply({}, "", 0)
    _loaded["expired"] = False


def values(table: str) -> tuple[str, ...]:
    """The values in effect: the defaults and the values added, less those retired."""
    ensure_current()
    return _in_effect(table)


def known(table: str) -> tuple[str, ...]:
    """Every value the table ever had here, retired ones too: what stored data may hold and
    figures show."""
    ensure_current()
    return TABLES[table] + _EDITS.get(table, _NONE).added


def lookup(table: str, value: object) -> str | None:
    """The canonical label for a value or alias in effect, or None when unknown or retired."""
    ensure_current()
    return _INDEXES[table].get(fold(value))


def retired(table: str, value: object) -> str | None:
    """The retired value `value` names (itself or an alias of it), for the refusal's message."""
    ensure_current()
    edits = _EDITS.get(table, _NONE)
    if not edits.retired:
        return None
    folded = fold(value)
    aliases = {**ALIASES.get(table, {}), **edits.aliases}
    for v in edits.retired:
        if fold(v) == folded:
            return v
    target = next((t for a, t in aliases.items() if fold(a) == folded), None)
    return target if target in edits.retired else None


# The grade a wrong 在校生状况 names within its stage: 二年级, 2年级 (七年级 is the first of 初中).
GRADE_NUMBERS = {ch: n for n, chars in enumerate(("一1", "二2", "三3", "四4", "五5", "六6"), 1)
                 for ch in chars}  # fmt: skip


def _grade(typed: str, words: Iterable[str]) -> int | None:
    """The grade number `typed` names once its stage's words are taken out (None: none, or
    more than one)."""
    for word in words:
        typed = typed.replace(word, "")
    found = {GRADE_NUMBERS[ch] for ch in typed if ch in GRADE_NUMBERS}
    return found.pop() if len(found) == 1 else None


def suggest(table: str, value: object) -> str | None:
    """The nearest valid label, for messages like「是否应为“因病”？」; None when none is near.

    Near means sharing characters in order (difflib) and sharing characters at all: Chinese
    words are reordered more often than misspelt (省内县外务工 is 县外省内务工, not 省外务工).
    A 在校生状况 that names its stage (HINT_STAGES) is hinted within it, at the grade it names
    (初中二年级 → 八年级, 高中2年级 → 高中二年级); a grade the stage lacks, or grades equally
    near (一年级: of which stage?), get no hint.
    """
    typed = fold(value)
    if not typed:
        return None

    def score(label: str) -> float:
        shared = sum((Counter(typed) & Counter(label)).values())
        overlap = 2 * shared / (len(typed) + len(label))
        return (difflib.SequenceMatcher(None, typed, label).ratio() + overlap) / 2

    in_effect = values(table)
    labels: list[str] = list(in_effect)
    stages = [
        (words, named)
        for words, named in HINT_STAGES.get(table, ())
        if any(w in typed for w in words)
    ]
    if stages:
        labels = []
        for words, named in stages:
            grade = _grade(typed, words) if len(named) > 1 else None
            if grade is not None:  # the grade named, or none when the stage has no such grade
                named = named[grade - 1 : grade]
            labels += [label for label in named if label in in_effect]
        if len(labels) == 1:
            return labels[0]
    ranked = sorted(((score(label), label) for label in labels), reverse=True)
    if not ranked or ranked[0][0] < 0.4:
        return None
    if table in HINT_STAGES and len(ranked) > 1 and ranked[1][0] == ranked[0][0]:
        return None  # grades tie (一年级 of which stage?): no hint rather than the first
    return max(labels, key=score)


def offered(table: str, current: object = None) -> tuple[str, ...]:
    """The values a row may take: those in effect, plus the value(s) the row holds (`current`:
    a value, 、-joined values or a list) when the table has had them. A retired value is never
    newly chosen, but a row holding it keeps it when saved."""
    in_effect = values(table)
    if isinstance(current, str):
        held = split_multi(current)
    elif isinstance(current, Iterable):
        held = [fold(v) for v in current]
    else:
        held = []
    kept = tuple(v for v in known(table) if v not in in_effect and fold(v) in held)
    return (*in_effect, *kept)


def choices(table: str, current: object = None) -> list[tuple[str, str]]:
    """Django form choices for a table: the values `offered` to a row holding `current`.

    A form field passes `partial(choices, table, current)` (a callable): the choices are read
    as each form is made, so an edit shows without a restart."""
    return [(v, v) for v in offered(table, current)]


def split_multi(value: object) -> list[str]:
    """Split a multi-valued cell joined by 、 , ， ; or spaces."""
    text = fold(value).replace("，", ",").replace("、", ",").replace(";", ",").replace("；", ",")
    return [part for part in text.split(",") if part]


def join_multi(values: Iterable[str]) -> str:
    """Join multiple values the way the national system writes them."""
    return "、".join(values)


# 帮扶措施 categories (policy.md §3.2); 开发式 measures are the first four.
MEASURE_CATEGORIES = (
    "产业帮扶",
    "就业帮扶",
    "金融帮扶",
    "公益岗位帮扶",
    "住房安全保障",
    "饮水安全保障",
    "健康帮扶",
    "义务教育保障",
    "教育帮扶",
    "综合保障",
    "社会帮扶",
    "搬迁",
    "生产生活条件改善",
    "基础设施建设",
    "其他",
)
DEVELOPMENTAL_MEASURES = ("产业帮扶", "就业帮扶", "金融帮扶", "公益岗位帮扶")
# Risk → measures that answer it (policy rule 18).
RISK_MEASURES: dict[str, tuple[str, ...]] = {
    "因病": ("健康帮扶", "社会帮扶"),
    "因学": ("义务教育保障", "教育帮扶", "社会帮扶"),
    "因残": ("综合保障", "社会帮扶"),
    "因安全住房": ("住房安全保障", "搬迁"),
    "因安全饮水": ("饮水安全保障",),
}
LEAD_SOURCES = (
    "农户自主申报",
    "基层干部排查",
    "部门筛查预警",
    "集中排查",
    "社会监督",
    "平台监测分析",
)
register_table("measure", MEASURE_CATEGORIES, title="帮扶措施类别", max_length=12)
register_table("lead_source", LEAD_SOURCES, title="线索来源", max_length=10)
