"""core.pipeline's Report: column names from the importer, without keeping the importer alive."""

from __future__ import annotations

import gc
import weakref

from core.pipeline import Report


class _Importer:
    def __init__(self) -> None:
        self.report = Report(self.column_name)
        self.rows = [[n] for n in range(1000)]  # what an importer keeps while it checks

    def column_name(self, key: str) -> str:
        return f"表头{key}"


def test_an_importer_is_freed_with_its_report_without_the_collector():
    importer = _Importer()
    importer.report.error(3, "sex", "男", "性别不一致")
    assert importer.report.errors[0]["column"] == "表头sex"
    assert importer.report.row_messages == {3: ["【表头sex】性别不一致"]}
    report, gone = importer.report, weakref.ref(importer)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del importer
        assert gone() is None  # freed by reference counting: no cycle through the report
    finally:
        if enabled:
            gc.enable()
    report.warn(4, "name", "", "姓名为空")  # the importer gone, the key stands for its header
    assert report.warnings[0]["column"] == "name"


def test_a_plain_function_names_the_columns():
    report = Report(lambda key: {"id_number": "证件号码"}[key])
    report.error(2, "id_number", "1", "校验位错误")
    assert report.errors == [
        {"row": 2, "column": "证件号码", "value": "1", "message": "校验位错误"}
    ]
