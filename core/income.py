"""The household income method shared by 防止返贫 and 民政 (policy.md rules 7–8, §9 2026: "统一
规范防止返贫致贫对象与农村社会救助对象的收支核算口径").

纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出 (rule 7); 人均 = 纯收入 ÷ 人口;
the "after rigid spending" per-capita figure is a configurable formula over 纯收入, 理赔收入,
合规自付支出 (刚性支出) and 人口 (rule 8), default `(纯收入+理赔收入-合规自付支出)/人口`. The
identification procedure (monitoring.assessment) and the 低收入人口 list (lowincome) both call
`household_income`, so a family's figures are the same on both sides.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

FORMULA_NAMES = ("纯收入", "理赔收入", "合规自付支出", "人口")
DEFAULT_FORMULA = "(纯收入+理赔收入-合规自付支出)/人口"
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
CENTS = Decimal("0.01")


def evaluate_formula(formula: str, values: dict[str, Decimal]) -> Decimal:
    """Evaluate a + - * / formula over the names in FORMULA_NAMES (no other code runs)."""

    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return Decimal(_OPS[type(node.op)](ev(node.left), ev(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        raise ValidationError(f"公式只能使用{'、'.join(FORMULA_NAMES)}、数字和 + - * / 括号")

    try:
        tree = ast.parse(
            formula.replace("－", "-").replace("（", "(").replace("）", ")"), mode="eval"
        )
    except SyntaxError as exc:
        raise ValidationError(f"公式“{formula}”无法解析") from exc
    return ev(tree)


@dataclass
class Income:
    """A household's income figures and what they compute to."""

    net: Decimal | None = None
    per_capita: Decimal | None = None
    after_spending: Decimal | None = None
    formula: str = ""


def net_income(
    wage: Decimal | None,
    business: Decimal | None,
    property_income: Decimal | None,
    transfer: Decimal | None,
    business_cost: Decimal | None,
) -> Decimal | None:
    """Rule 7's 纯收入 (None when any of the four incomes is unknown)."""
    parts = [wage, business, property_income, transfer]
    if any(p is None for p in parts):
        return None
    return sum((Decimal(p) for p in parts if p is not None), Decimal(0)) - Decimal(
        business_cost or 0
    )


def household_income(
    *,
    net: Decimal | None,
    members: int | None,
    claims: Decimal | None = None,
    spending: Decimal | None = None,
    formula: str = DEFAULT_FORMULA,
) -> Income:
    """人均纯收入 and the per-capita income after 刚性支出 (rule 8) of a household."""
    if net is None or not members:
        return Income(formula=formula)
    n = Decimal(members)
    after = evaluate_formula(
        formula or DEFAULT_FORMULA,
        {
            "纯收入": Decimal(net),
            "理赔收入": Decimal(claims or 0),
            "合规自付支出": Decimal(spending or 0),
            "人口": n,
        },
    )
    return Income(Decimal(net), (Decimal(net) / n).quantize(CENTS), after.quantize(CENTS), formula)
