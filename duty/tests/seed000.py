"""Seed 000's 责任落实 ledgers as 金山店镇 keeps them: 12 工作提示 and 12 纪律督查 by 14 November,
monthly 学习 and 例会 through November, a team rotated in August, 13 省后评估 problems in 3
categories and 9 国家考核 problems (two measures each, all done), and the 专项整治's 2 problems
found by 自查 and 3 by 督查."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from duty.tests.helpers import inspection, load, measure, member


def problems() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    numbers = itertools.count(1)

    def add(n: int, source: str, category: Any) -> None:
        for k in range(n):
            number = f"J{next(numbers):03d}"
            cat = category(k) if callable(category) else category
            for no in (1, 2):
                rows.append(
                    measure(
                        number,
                        no,
                        乡镇="金山店镇",
                        行政村="",
                        问题来源=source,
                        问题类别=cat,
                        状态="已完成",
                        整改时限="2023-06-30",
                    )
                )

    add(13, "省后评估", lambda k: ["两不愁三保障", "监测帮扶", "产业就业"][k % 3])
    add(9, "国家考核", "巩固成果")
    add(2, "自查", "乡村振兴领域不正之风和腐败问题专项整治")
    add(3, "督查", "乡村振兴领域不正之风和腐败问题专项整治")
    return rows


def inspections() -> list[dict[str, Any]]:
    records = []
    for month in range(1, 13):
        # By 14 November the twelfth tip and inspection were done too (seed 000).
        day = f"2023-{month:02d}" if month <= 11 else "2023-11"
        records.append(inspection(f"{day}-02" if month <= 11 else "2023-11-12", "工作提示"))
        records.append(inspection(f"{day}-10" if month <= 11 else "2023-11-13", "纪律督查"))
        if month <= 11:
            records.append(inspection(f"2023-{month:02d}-05", "学习"))
            records.append(inspection(f"2023-{month:02d}-06", "例会", 行政村="朝阳村"))
    return records


def load_ledgers(actor: Any, tmp_path: Path) -> None:
    assert load("rectification", problems(), tmp_path, actor)["status"] == "imported"
    assert load("inspections", inspections(), tmp_path, actor, "i.xlsx")["status"] == "imported"
    team = [
        member("张队长", 驻村开始日期="2021-06-01", 驻村结束日期="2023-08-15", 队内职务="队长"),
        member("李队长", 驻村开始日期="2023-08-16", 队内职务="队长"),
        member("王书记", 驻村开始日期="2021-06-01", 队内职务="第一书记"),
    ]
    assert load("work_teams", team, tmp_path, actor, "t.xlsx")["status"] == "imported"
