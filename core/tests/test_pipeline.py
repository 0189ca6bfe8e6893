"""core.pipeline: the Report's column names from the importer, without keeping the importer
alive; an import's objects left to the end of a process that ends with it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from core import pipeline
from core.pipeline import Progress, Report
from core.tabular import Table


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


class _Plan:
    """What an importer's check plans."""


class _Keeper:
    """An importer that only counts the rows; weak references to it and its plan go to `seen`."""

    name = "测试"
    marker = "姓名"
    marker_aliases: tuple[str, ...] = ()

    def __init__(self, seen: list[weakref.ref], **_: object) -> None:
        self.seen = seen
        seen.append(weakref.ref(self))
        self.rows = 0

    def check(self, table: Table, report: Report, progress: Progress) -> _Plan:
        self.rows = len(list(table.rows))
        plan = _Plan()
        self.seen.append(weakref.ref(plan))
        return plan

    def counts(self, plan: _Plan | None) -> dict[str, int]:
        return {"counted": self.rows}

    def changes(self, plan: _Plan) -> int:
        return 0

    def write(self, plan: _Plan, progress: Progress, note: str, record: object) -> dict:
        raise AssertionError("a dry run writes nothing")

    def summary(self, counts: dict) -> str:
        raise AssertionError("a dry run writes nothing")


@pytest.mark.parametrize("ends_process", [False, True])
def test_an_import_leaves_its_objects_to_the_end_only_of_a_process_that_ends_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ends_process: bool
) -> None:
    seen: list[weakref.ref] = []
    monkeypatch.setattr(pipeline, "_KINDS", {})
    monkeypatch.setattr(pipeline, "_LEFT_TO_EXIT", [])
    pipeline.register("_kept", "测试", lambda **kw: _Keeper(seen, **kw))
    path = tmp_path / "名单.csv"
    path.write_text("姓名\n张三\n李四\n", encoding="utf-8")
    alive_when_collector_back: list[bool] = []
    enable = gc.enable

    def spy() -> None:
        alive_when_collector_back.extend(ref() is not None for ref in seen)
        enable()

    monkeypatch.setattr(gc, "enable", spy)
    frozen = gc.get_freeze_count()
    try:
        result = pipeline.run("_kept", path, actor=None, dry_run=True, ends_process=ends_process)
        assert result["status"] == "valid" and result["counted"] == 2
        assert gc.isenabled()
        importer, plan = seen
        if ends_process:  # kept, and never scanned by the collector again
            assert importer() is not None and plan() is not None
            assert gc.get_freeze_count() > frozen
        else:  # freed before the collector is back (it would scan them), nothing frozen
            assert alive_when_collector_back == [False, False]
            assert importer() is None and plan() is None
            assert gc.get_freeze_count() == frozen
    finally:
        pipeline._LEFT_TO_EXIT.clear()
        gc.unfreeze()
