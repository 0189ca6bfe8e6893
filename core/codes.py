"""Code tables (policy.md §8.2, formats.md §1): the values the register accepts, with aliases.

Each table maps a canonical label to itself and every accepted alias to its label; `lookup` folds
full-width characters and spaces first, and `suggest` names the nearest valid value for a message.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Iterable

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


def fold(text: object) -> str:
    """Full-width to half-width, strip every space: how headers and values are compared."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _index(table: str) -> dict[str, str]:
    index = {fold(v): v for v in TABLES[table]}
    index.update({fold(k): v for k, v in ALIASES.get(table, {}).items()})
    return index


_INDEXES = {name: _index(name) for name in TABLES}


def register_table(name: str, values: Iterable[str], aliases: dict[str, str] | None = None) -> None:
    """Add a code table (a ledger's own list of values), with its aliases."""
    TABLES[name] = tuple(values)
    ALIASES[name] = dict(aliases or {})
    _INDEXES[name] = _index(name)


def lookup(table: str, value: object) -> str | None:
    """The canonical label for a value or alias, or None when unknown."""
    return _INDEXES[table].get(fold(value))


def suggest(table: str, value: object) -> str | None:
    """The nearest valid label, for messages like「是否应为“因病”？」.

    Near means sharing characters in order (difflib) and sharing characters at all: Chinese
    words are reordered more often than misspelt (省内县外务工 is 县外省内务工, not 省外务工).
    """
    typed = fold(value)
    if not typed:
        return None

    def score(label: str) -> float:
        shared = sum((Counter(typed) & Counter(label)).values())
        overlap = 2 * shared / (len(typed) + len(label))
        return (difflib.SequenceMatcher(None, typed, label).ratio() + overlap) / 2

    labels: Iterable[str] = TABLES[table]
    stages = [
        named for words, named in HINT_STAGES.get(table, ()) if any(w in typed for w in words)
    ]
    if stages:
        labels = [label for named in stages for label in named]
    best = max(labels, key=score, default=None)
    return best if best is not None and score(best) >= 0.4 else None


def choices(table: str) -> list[tuple[str, str]]:
    """Django form choices for a table."""
    return [(v, v) for v in TABLES[table]]


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
register_table("measure", MEASURE_CATEGORIES)
register_table("lead_source", LEAD_SOURCES)
