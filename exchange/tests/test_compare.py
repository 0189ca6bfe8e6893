"""Reading, validating and matching department files."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange import readers
from exchange.models import Batch, Item
from exchange.tests.conftest import member


def test_a_medical_file_is_matched_and_a_high_self_payment_becomes_a_warning(
    run_compare, village_household
):
    p = member(village_household)
    rows = [
        {
            "证件号码": p.id_number,
            "姓名": p.name,
            "结算日期": "2026-03-01",
            "就诊类型": "住院",
            "医疗总费用": "50000",
            "个人自付": "15000",
        },
        {
            "证件号码": p.id_number.lower(),
            "姓名": p.name,
            "结算日期": " 2026/05/02 ",
            "就诊类型": " 门诊慢特病",
            "医疗总费用": "9000",
            "个人自付": "8,456",
        },
        {
            "证件号码": "420222199001011234",
            "姓名": "查无此人",
            "结算日期": "2026-01-01",
            "就诊类型": "住院",
            "医疗总费用": "1",
            "个人自付": "1",
        },
    ]
    batch = run_compare("medical", rows)
    assert (batch.records, batch.matched, batch.rejected_rows) == (3, 2, 1)
    item = Item.objects.get(rule__code="W_MED_SELFPAY")
    assert item.message == "2026年累计个人自付医疗费用 23,456 元，超过一般农户阈值 20,000 元"
    assert batch.warnings_created == 1 and batch.status == Batch.Status.DONE


@pytest.mark.parametrize(
    ("content", "lines_are_rows"),
    [
        # (DuckDB reads it as it is only when its first line is the header: 证件号码 is in it)
        ('证件号码,b\n1,"2,5"\n3,"x ""y"""\n'.encode(), True),  # quotes, each line one row
        ("证件号码,b\n1,2\n\n\r\n".encode(), True),  # empty lines after the last row: no matter
        (b'a,b\n1,"2\n5"\n', False),  # a cell over two lines
        (b"a,b\n1,2\n\n3,4\n", False),  # DuckDB skips the empty line 3
        (b"\r\na,b\n1,2\n", False),
    ],
)
def test_duckdb_reads_a_csv_as_it_is_only_when_its_lines_are_its_rows(
    tmp_path: Path, content: bytes, lines_are_rows: bool
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert readers.lines_are_rows(path) is lines_are_rows
    assert readers.prepare(path, tmp_path).numbered is not lines_are_rows
