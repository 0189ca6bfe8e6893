"""A department batch read from below its scope: each user is told their own share of it, and
nothing of the file that belongs to no region (its people on no register, its error rows)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from exchange import services
from exchange.models import Batch
from exchange.services import Figures
from exchange.tests.conftest import member, write_file
from exchange.tests.test_views import med_row
from fangpin.testing import make_user

STRANGER = {"证件号码": "420281197503080022", "姓名": "外县张三"}
BAD_ROW = "个人自付“abc”不是有效金额"


@pytest.fixture
def cadres(users: dict[str, Any], regions: dict[str, Any]) -> dict[str, Any]:
    """The personas, and a cadre of 仕秦村 (金山店镇), which holds none of the file's people."""
    return users | {"village2": make_user("village2", "village_staff", regions["village2"])}


@pytest.fixture
def rows(household: Any, other_household: Any) -> list[dict]:
    """A 医保 file: one person of 朝阳村, one of 白羊村, one on no register, one bad row."""
    here, there = member(household), member(other_household)
    return [
        med_row(here),
        med_row(there),
        {**med_row(here), **STRANGER},
        {**med_row(there), "个人自付": "abc"},
    ]


def _login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def _list_row(page: str, batch: Batch) -> list[str]:
    """The figure cells (记录 … 新增疑点) of the batch's row on the batch list, as text."""
    url = reverse("exchange:batch_detail", args=[batch.pk])
    row = re.search(rf'<tr><td><a href="{url}">.*?</tr>', page, re.S)
    assert row is not None
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row[0])]
    return cells[5:]


def test_a_commands_batch_shows_its_unmatched_people_and_error_rows_only_to_the_county(
    client: Any, cadres: dict[str, Any], rows: list[dict], tmp_path: Any
) -> None:
    """`fangpin compare` covers every county (region None): a grid member, another town's clerk
    and another village's cadre are told neither the people the register lacks nor the file's
    error rows; the county admin, who sees the whole server's one county, is."""
    path = write_file(tmp_path, "medical", rows)
    batch = services.compare(actor=None, source="medical", path=path, filename="cli.csv")
    assert batch.region_id is None and (batch.unmatched, batch.rejected_rows) == (1, 1)
    url = reverse("exchange:batch_detail", args=[batch.pk])
    for who in ("grid_member", "other_town", "village2"):
        response = _login(client, cadres[who]).get(url)
        page = response.content.decode()
        assert response.status_code == 200, who
        assert "外县张三" not in page and "未匹配到台账人员" not in page, who
        assert BAD_ROW not in page and "错误行（" not in page, who
        assert response.context["unmatched"] == [] and response.context["errors"] == [], who
    page = _login(client, cadres["county_admin"]).get(url).content.decode()
    assert "外县张三" in page and STRANGER["证件号码"] in page and BAD_ROW in page


@pytest.mark.parametrize(
    ("who", "share"),
    [
        # 记录, 匹配, 未匹配, 错误行, 新增预警, 新增疑点: the town and the villages theirs only
        ("county_admin", Figures(True, 4, 2, 1, 1, 2, 0)),
        ("town_staff", Figures(False, None, 1, None, None, 1, 0)),
        ("grid_member", Figures(False, None, 1, None, None, 1, 0)),
        ("other_town", Figures(False, None, 1, None, None, 1, 0)),
        ("village2", Figures(False, None, 0, None, None, 0, 0)),
    ],
)
def test_a_county_batchs_figures_are_each_users_own_share(
    client: Any,
    cadres: dict[str, Any],
    rows: list[dict],
    run_compare: Any,
    who: str,
    share: Figures,
) -> None:
    """The county's file holds people of 金山店镇 and 还地桥镇: its whole-file figures are the
    county's; a town or a village below reads the rows matched to its people and the items found
    in it, marked 本辖区, and no figure that counts other towns' people."""
    batch = run_compare("medical", rows)
    assert (batch.records, batch.matched, batch.warnings_created) == (4, 2, 2)
    client = _login(client, cadres[who])
    detail = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert detail.status_code == 200 and detail.context["figures"] == share
    page = detail.content.decode()
    label = "" if share.whole else "本辖区"
    assert f'{label}匹配</div><div class="fs-5">{share.matched}<' in page
    assert f'{label}新增预警</div><div class="fs-5">{share.warnings_created}<' in page
    listed = client.get(reverse("exchange:batch_list")).content.decode()
    if share.whole:
        cells = [str(v) for v in (4, 2, 1, 1, 2, 0)]
    else:
        mine = (share.matched, share.warnings_created, share.findings_created)
        cells = ["—", f"本辖区 {mine[0]}", "—", "—", f"本辖区 {mine[1]}", f"本辖区 {mine[2]}"]
    assert _list_row(listed, batch) == cells
    # The department's feedback workbook lists the user's own people, as the page counts them.
    book = client.get(reverse("exchange:batch_export", args=[batch.pk]))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book.content)).get_sheet_by_index(0)
    assert len(sheet.to_python()) - 1 == share.warnings_created


def test_the_batch_list_shows_each_share_in_a_bounded_number_of_queries(
    client: Any, cadres: dict[str, Any], rows: list[dict], run_compare: Any
) -> None:
    """A town's list of the county's batches: its share of each, in as many queries for six
    batches as for two; a batch compared before shares were kept says — for its matched rows."""
    client = _login(client, cadres["town_staff"])
    url = reverse("exchange:batch_list")
    batches = [run_compare("medical", rows) for _ in range(2)]
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    batches += [run_compare("medical", rows) for _ in range(4)]
    Batch.objects.filter(pk=batches[0].pk).update(matched_regions=None)
    with CaptureQueriesContext(connection) as six:
        page = client.get(url).content.decode()
    assert len(six.captured_queries) == len(two.captured_queries)
    # Only the first compare found the warnings new; the later ones found them again.
    assert _list_row(page, batches[0]) == ["—", "本辖区 —", "—", "—", "本辖区 1", "本辖区 0"]
    for batch in batches[1:]:
        assert _list_row(page, batch) == ["—", "本辖区 1", "—", "—", "本辖区 0", "本辖区 0"]
    assert "标“本辖区”的数字只计您辖区内的人员" in page


def test_a_county_file_of_another_towns_people_tells_a_town_nothing_of_them(
    client: Any, cadres: dict[str, Any], other_household: Any, run_compare: Any
) -> None:
    """Before, the town read the county's file's 记录 and 匹配 — every one a 还地桥镇 person."""
    there = [member(other_household, name=f"白羊{i}") for i in range(3)]
    batch = run_compare("medical", [med_row(p) for p in there])
    assert (batch.records, batch.matched, batch.warnings_created) == (3, 3, 3)
    client = _login(client, cadres["town_staff"])
    listed = client.get(reverse("exchange:batch_list")).content.decode()
    assert _list_row(listed, batch) == ["—", "本辖区 0", "—", "—", "本辖区 0", "本辖区 0"]
    detail = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert detail.context["figures"] == Figures(False, None, 0, None, None, 0, 0)
    assert '<div class="fs-5">3<' not in detail.content.decode()
