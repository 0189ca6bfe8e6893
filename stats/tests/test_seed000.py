"""Seed 000's 基本情况, rebuilt as a register: the command and the API give exactly its numbers."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import docx
import pytest
from django.core.management import call_command

from accounts.models import ApiToken
from fangpin.testing import make_user
from stats.services import compute
from stats.tests import seed000


@pytest.fixture
def seed(db: Any) -> dict[str, Any]:
    return seed000.build()


def test_the_seed_register_yields_the_seed_numbers_by_command_and_api(
    seed: dict[str, Any], client: Any, tmp_path: Path
) -> None:
    assert compute(seed["town"], seed000.AS_OF) == seed000.expected()

    out = io.StringIO()
    call_command("stats", "--region", "大冶市/金山店镇", "--as-of", "2023-11-14", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == seed000.expected()

    user = make_user("zhen", "town_staff", seed["town"])
    _row, token = ApiToken.issue(user)
    response = client.get(
        "/api/v1/stats",
        {"region": "420281100000", "as_of": "2023-11-14"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    assert response.json() == seed000.expected()

    # The drafted report states them in 一、基本情况 (read back with python-docx).
    docx_path = tmp_path / "汇报.docx"
    out = io.StringIO()
    with patch("core.dates.today", return_value=seed000.AS_OF):
        call_command(
            "report",
            "work-summary",
            "--region",
            "420281100000",
            "--year",
            "2023",
            "--out",
            str(docx_path),
            stdout=out,
        )
    assert json.loads(out.getvalue().strip().splitlines()[-1])["status"] == "written"
    paragraphs = [p.text for p in docx.Document(str(docx_path)).paragraphs]
    assert paragraphs[0] == "金山店镇2023年巩固拓展脱贫攻坚成果工作情况汇报"
    basic = paragraphs[paragraphs.index("一、基本情况") + 1]
    assert basic == (
        "金山店镇共有22个村（其中有三个脱贫村朝阳村、仕秦村、向阳村），2个社区，1619户，4469人，现有建档立卡稳定脱贫户429户900人，"
        "监测户35户106人（2019年识别3户5人，2户4人2020年已消除风险，"
        "1户1人2020年消除风险后2022年因安全住房重新识别），现有未消除风险监测户33户102人"
        "（2021年新识别4户11人，2022年新识别22户72人，2023年新识别7户19人），"
        "其中突发严重困难户17户62人，脱贫不稳定户8户13人，边缘易致贫户8户27人。"
    )
    assert "二、责任落实情况" in paragraphs
    assert "2023年11月14日" in paragraphs
