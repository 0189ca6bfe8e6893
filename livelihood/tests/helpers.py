"""Rows of the livelihood ledgers as a user's spreadsheet holds them, and small builders."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from core import pipeline
from fangpin.testing import id_number, write_sheet
from livelihood.layouts import CADRES, LOANS, POSTS, PV_INCOME

HEADERS = {
    "posts": POSTS.headers,
    "pv_income": PV_INCOME.headers,
    "loans": LOANS.headers,
    "cadres": CADRES.headers,
}
_names = itertools.count(1)


def post(person: Any, **cells: Any) -> dict[str, Any]:
    """A 光伏公益性岗位 held by `person` since 2024-01-01 on a one-year contract."""
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "岗位名称": "保洁员",
        "岗位类别": "光伏公益性岗位",
        "资金来源": "光伏收益",
        "聘用开始日期": "2024-01-01",
        "聘用结束日期": "2024-12-31",
        "月补贴标准": "500",
        "状态": "在岗",
        "退岗日期": "",
        "退岗原因": "",
    } | cells


def pv(**cells: Any) -> dict[str, Any]:
    """朝阳村's station in 2024: 16,000 revenue, every use within it."""
    return {
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "电站名称": "朝阳村光伏电站",
        "装机容量(kW)": "100",
        "年度": "2024",
        "发电收益": "16000",
        "运维费用": "1000",
        "公益岗位支出": "6000",
        "公益事业支出": "4000",
        "奖励补助支出": "1000",
        "其他支出": "0",
        "公示日期": "2025-01-15",
        "备注": "",
    } | cells


def loan(person: Any, **cells: Any) -> dict[str, Any]:
    """A 3-year 50,000 loan for 种养殖, lent 2024-03-01."""
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "合同编号": f"XD2024{next(_names):04d}",
        "贷款银行": "大冶农商行",
        "放款日期": "2024-03-01",
        "贷款金额": "50000",
        "期限(月)": "36",
        "到期日期": "2027-03-01",
        "年利率(%)": "3.45",
        "使用方式": "户贷户用",
        "贷款用途": "种养殖",
        "贴息金额": "1725",
        "还款状态": "正常",
        "逾期金额": "",
    } | cells


def cadre(number: str, **cells: Any) -> dict[str, Any]:
    return {
        "乡镇": "金山店镇",
        "行政村": "朝阳村",
        "姓名": f"村干部{next(_names)}",
        "证件号码": number,
        "职务": "村委委员",
        "任职开始日期": "2021-01-01",
        "任职结束日期": "",
    } | cells


def load(
    kind: str, rows: list[dict[str, Any]], tmp_path: Path, actor: Any, name: str = ""
) -> dict[str, Any]:
    """Import rows of a ledger as `actor`; the pipeline's JSON (asserted imported)."""
    path = write_sheet(tmp_path / (name or f"{kind}{next(_names)}.xlsx"), HEADERS[kind], rows)
    result = pipeline.run(kind, path, actor=actor)
    assert result["status"] == "imported", result["errors"]
    return result


def member(household: Any, birth: dt.date, sex: str = "男", relation: str = "之子") -> Any:
    """A new member of `household` born on `birth`."""
    from registry import services

    n = next(_names)
    return services.add_person(
        actor=None,
        household=household,
        name=f"新成员{n}",
        id_number=id_number(birth, sex),
        relation=relation,
        sex=sex,
    )
