"""The rule parameters as a county admin sees them: a Chinese label and a unit for each, and the
form field its default's type asks for (whole numbers, amounts, yes/no, lists typed as 甲、乙).
The JSON of `Rule.parameters` / `RuleYear.parameters` is only how they are stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms


@dataclass(frozen=True)
class Param:
    label: str
    unit: str = ""
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


PARAMS: dict[str, Param] = {
    "months": Param("统计期间", "个月", "往前统计的月数"),
    "threshold_priority": Param("脱贫户和监测户的预警线", "元", "个人自付费用累计达到此数即预警"),
    "threshold_general": Param("一般农户的预警线", "元", "个人自付费用累计达到此数即预警"),
    "levels": Param("残疾等级", "", "哪些等级预警"),
    "min_age": Param("年龄下限", "周岁"),
    "max_age": Param("年龄上限", "周岁"),
    "age": Param("年龄界限", "周岁"),
    "grades": Param("危房等级", "", "哪些鉴定等级预警，如 C、D"),
    "min_loss": Param("损失金额下限", "元"),
    "aid_types": Param("救助类型", "", "新纳入哪些救助即预警"),
    "not_student": Param("视为未在校的情况", "", "学籍在读而台账为这些情况时提示"),
    "stages": Param("学段", "", "哪些学段应享雨露计划"),
    "days": Param("间隔下限", "天"),
    "max_years": Param("任期上限", "年"),
    "min_rate": Param("分配比例下限", "%"),
    "all_villages": Param("检查所有村", "", "否：只检查派驻了工作队的村"),
    "all_units": Param("检查所有单位", "", "否：只检查本年度有记录的单位"),
    "level": Param("检查层级", "", choices=(("town", "乡镇"), ("village", "行政村"))),
    "types": Param("记录类型", "", "每行一类：类别：记录类型、记录类型"),
    "years": Param("脱贫年限", "年"),
    "per_term": Param("每学期补助标准", "元"),
    "per_year": Param("每年补助上限", "元"),
    "from_month": Param("自几月起检查", "月", "当年此月以后仍未享受才提示"),
    "max_per_household": Param("每户岗位上限", "人"),
    "max_hire_age": Param("新聘年龄上限", "周岁", "政策允许最高65周岁"),
    "old_age": Param("高龄提示年龄", "周岁"),
    "tolerance": Param("允许误差", "元"),
    "max_amount": Param("贴息额度", "元"),
    "top_up_amount": Param("续贷、展期额度", "元"),
    "max_months": Param("期限上限", "个月"),
    "max_share_pct": Param("占比上限", "%", "0表示只列出占比"),
    "due_days": Param("到期提醒天数", "天"),
    "spend_targets": Param("支出进度目标", "%", "每行一项：月份：累计支出进度"),
    "start_targets": Param("开工率目标", "%", "每行一项：月份：开工率"),
    "grace_days": Param("宽限天数", "天"),
    "ceiling_percent": Param("质保金比例上限", "%"),
    "year_offset": Param("收益年度滞后", "年", "检查前几年的年度收益"),
    "floor_percent": Param("产业发展资金占比下限", "%"),
}

SEP = "、"


def label(key: str) -> str:
    """The label with its unit: 年龄下限（周岁）."""
    p = PARAMS.get(key)
    if p is None:
        return key
    return f"{p.label}（{p.unit}）" if p.unit else p.label


def show(key: str, value: Any) -> str:
    """A value as the rule list shows it: 年龄下限 16周岁."""
    p = PARAMS.get(key, Param(key))
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, list):
        text = SEP.join(str(v) for v in value if str(v)) or "（空）"
    elif isinstance(value, dict):
        text = "；".join(f"{k}：{_listed(v)}" for k, v in value.items())
    else:
        text = dict(p.choices).get(str(value), str(value)) + p.unit
    return f"{p.label} {text}"


def field_for(key: str, default: Any) -> forms.Field:
    """The form field of one parameter, from its default's type."""
    p = PARAMS.get(key, Param(key))
    common: dict[str, Any] = {"label": label(key), "help_text": p.help}
    if isinstance(default, bool):
        return forms.TypedChoiceField(
            choices=[("1", "是"), ("0", "否")], coerce=lambda v: v == "1", **common
        )
    if isinstance(default, int):
        return forms.IntegerField(min_value=0, **common)
    if isinstance(default, float):
        return forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, **common)
    if p.choices:
        return forms.ChoiceField(choices=p.choices, **common)
    if isinstance(default, list):
        common["help_text"] = f"{p.help}，用“、”分隔" if p.help else "用“、”分隔"
        return forms.CharField(required=False, max_length=500, **common)
    if isinstance(default, dict):
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": max(2, len(default))}), max_length=2000, **common
        )
    return forms.CharField(max_length=200, **common)


def initial(default: Any, value: Any) -> Any:
    """The field's initial value for a stored value."""
    if isinstance(default, bool):
        return "1" if value else "0"
    if isinstance(default, list):
        return SEP.join(str(v) for v in value or [])
    if isinstance(default, dict):
        return "\n".join(f"{k}：{_listed(v)}" for k, v in (value or {}).items())
    return value


def _listed(value: Any) -> str:
    """A dict parameter's value: a list as 甲、乙, a number as it is."""
    return SEP.join(str(v) for v in value) if isinstance(value, list) else str(value)


def split(text: str) -> list[str]:
    for sep in (",", "，", ";", "；", "/", " "):
        text = text.replace(sep, SEP)
    return [part.strip() for part in text.split(SEP) if part.strip()]


def parse(key: str, default: Any, cleaned: Any) -> Any:
    """The stored value of a cleaned field (a list from 甲、乙; a dict from its lines)."""
    if isinstance(default, bool):
        return bool(cleaned)
    if isinstance(default, int):
        return int(cleaned)
    if isinstance(default, float):
        return float(cleaned)
    if isinstance(default, list):
        return split(cleaned or "")
    if isinstance(default, dict):
        numbers = any(isinstance(v, int | float) for v in default.values())
        out: dict[str, Any] = {}
        for line in str(cleaned).splitlines():
            name, sep, values = line.replace(":", "：").partition("：")
            if not line.strip():
                continue
            if numbers:  # month：percent
                try:
                    out[name.strip()] = float(values) if "." in values else int(values)
                except ValueError:
                    raise forms.ValidationError(f"“{line.strip()}”应写成“月份：数值”") from None
                continue
            if not sep or not name.strip() or not split(values):
                raise forms.ValidationError(f"“{line.strip()}”应写成“类别：类型、类型”")
            out[name.strip()] = split(values)
        if not out:
            raise forms.ValidationError("至少需要一行")
        return out
    return str(cleaned).strip()
