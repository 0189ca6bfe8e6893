"""Code tables as an office edits them (core.codes, core.services): the national defaults when
nothing is edited; values added, retired and restored, and aliases, taking effect in the
register's import and a ledger's; refusals in Chinese with nothing saved; county admins only."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from core import codes, pipeline, services
from core.layout import CellError, Code, Column, code
from core.models import AuditRecord, CodeEdit, CodeTablesVersion
from fangpin.testing import run_command, write_sheet
from imports.tests.builders import num, person, pid, write_xlsx
from registry.models import Person

pytestmark = pytest.mark.django_db

THIS_YEAR = dt.date.today().year


def import_registry(path: Path) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("import_registry", str(path), stdout=out, stderr=StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), json.loads(out.getvalue().strip().splitlines()[-1])
    return 0, json.loads(out.getvalue().strip().splitlines()[-1])


def test_with_nothing_edited_the_tables_are_the_national_defaults(users: dict) -> None:
    codes.expire()
    assert codes.values("risk") == codes.RISKS
    assert codes.choices("ethnicity") == [(v, v) for v in codes.ETHNICITIES]
    assert codes.lookup("risk", "因灾") == "因自然灾害"
    assert codes.lookup("risk", "因债务") is None
    states = {s.name: s for s in services.table_states()}
    assert states["risk"].in_effect == codes.RISKS
    assert all(not s.added and not s.retired for s in states.values())
    # A ledger's own list is a table named after its column, titled after its layout.
    assert states["yulu.term"].title == "雨露计划·学期"
    assert states["sex"].editable is False and states["risk"].editable is True
    assert CodeEdit.objects.count() == 0


def test_add_retire_restore_keep_only_the_differences_and_are_audited(users: dict) -> None:
    admin = users["county_admin"]
    state = services.add_value(actor=admin, table="risk", value=" 因债务 ")
    assert state.status("因债务") == "新增" and "因债务" in state.in_effect
    assert codes.lookup("risk", "因债务") == "因债务"
    state = services.retire_value(actor=admin, table="ethnicity", value="满族")
    assert state.status("满族") == "已停用" and "满族" not in state.in_effect
    assert codes.lookup("ethnicity", "满族") is None
    assert codes.known("ethnicity") == codes.ETHNICITIES  # stored data and figures keep it
    assert ("满族", "满族") not in codes.choices("ethnicity")
    rows = set(CodeEdit.objects.values_list("table", "value", "action", "year"))
    assert rows == {
        ("risk", "因债务", "add", THIS_YEAR),
        ("ethnicity", "满族", "retire", THIS_YEAR),
    }
    record = AuditRecord.objects.filter(object_type="core.codeedit").order_by("pk").last()
    assert record is not None and record.actor == admin and record.action == "create"
    assert record.before is None and record.after["value"] == "满族"
    assert record.after["action"] == "retire"

    # Restoring in the year it was retired leaves no difference: the row goes, audited.
    services.restore_value(actor=admin, table="ethnicity", value="满族")
    assert codes.lookup("ethnicity", "满族") == "满族"
    assert not CodeEdit.objects.filter(table="ethnicity").exists()
    gone = AuditRecord.objects.filter(object_type="core.codeedit").order_by("pk").last()
    assert gone is not None and gone.action == "delete" and gone.before["value"] == "满族"

    services.add_alias(actor=admin, table="risk", alias="因债", value="因债务")
    assert codes.lookup("risk", "因 债") == "因债务"
    services.remove_alias(actor=admin, table="risk", alias="因债")
    assert codes.lookup("risk", "因债") is None


def test_an_edit_for_a_later_year_is_not_in_effect_yet(users: dict) -> None:
    services.add_value(
        actor=users["county_admin"], table="risk", value="因债务", year=THIS_YEAR + 1
    )
    assert codes.lookup("risk", "因债务") is None
    assert "因债务" in services.table_state("risk", THIS_YEAR + 1).in_effect
    assert "因债务" not in services.table_state("risk").in_effect


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (dict(table="risk", value="  "), "value", "请填写代码值"),
        (dict(table="risk", value="因" * 11), "value", "代码值最多10个字，实为11个字"),
        (dict(table="risk", value="因病、因残"), "value", "代码值不能含有“、”“，”“；”等分隔符"),
        (dict(table="risk", value="因病"), "value", "“因病”已在代码表“风险类型”中"),
        (
            dict(table="risk", value="因灾"),
            "value",
            "“因灾”已是代码表“风险类型”中“因自然灾害”的别名",
        ),
        (
            dict(table="nosuch", value="x"),
            "table",
            "没有代码表“nosuch”，可用 fangpin codes list 查看",
        ),
        (dict(table="sex", value="未知"), "table", "代码表“性别”由业务规则或流程使用，不能修改"),
        (dict(table="risk", value="因债务", year=1999), "year", "年度应在2021—2100之间，实为1999"),
    ],
)
def test_a_bad_addition_is_refused_precisely_and_nothing_is_saved(
    users: dict, call: dict, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_value(actor=users["county_admin"], **call)
    assert exc.value.message_dict == {field: [message]}
    assert CodeEdit.objects.count() == 0 and not CodeTablesVersion.objects.exists()
    assert not AuditRecord.objects.filter(object_type="core.codeedit").exists()


def test_retiring_or_restoring_what_is_not_there_is_refused(users: dict) -> None:
    admin = users["county_admin"]
    cases = [
        (services.retire_value, "因债务", "代码表“风险类型”中没有值“因债务”"),
        (
            services.retire_value,
            "因灾",
            "代码表“风险类型”中没有值“因灾”（“因灾”是“因自然灾害”的别名）",
        ),
        (services.restore_value, "因病", "“因病”未停用，无需恢复"),
    ]
    for fn, value, message in cases:
        with pytest.raises(ValidationError) as exc:
            fn(actor=admin, table="risk", value=value)
        assert exc.value.messages == [message]
    services.retire_value(actor=admin, table="risk", value="因产业项目失败")
    with pytest.raises(ValidationError) as exc:
        services.retire_value(actor=admin, table="risk", value="因产业项目失败")
    assert exc.value.messages == ["“因产业项目失败”已停用，无需再次停用"]
    with pytest.raises(ValidationError) as exc:
        services.add_value(actor=admin, table="risk", value="因产业项目失败")
    assert exc.value.messages == ["“因产业项目失败”已停用，如需继续使用请恢复"]
    assert CodeEdit.objects.count() == 1


def test_only_a_county_administrator_may_edit(users: dict) -> None:
    for role in ("town_staff", "village_staff", "auditor"):
        with pytest.raises(PermissionDenied, match="只有县级管理员可以修改代码表"):
            services.add_value(actor=users[role], table="risk", value="因债务")
    assert CodeEdit.objects.count() == 0


def test_an_edit_made_by_another_process_is_read_at_the_next_import(users: dict) -> None:
    """The rows and the token written directly, as another process would: this process's
    memo still says 因债务 is unknown until an import (or a request) checks the version."""
    with pytest.raises(CellError, match="不在代码表中"):
        code("risk", "因债务")
    CodeEdit.objects.create(year=THIS_YEAR, table="risk", value="因债务", action="add")
    CodeTablesVersion.objects.create(pk=1, token=uuid.uuid4().hex)
    with pytest.raises(CellError):  # no query per cell: not seen until the version is read
        code("risk", "因债务")
    codes.refresh()
    assert code("risk", "因债务") == "因债务"


def test_the_register_import_accepts_an_added_value_and_refuses_a_retired_one(
    users: dict, tmp_path: Path
) -> None:
    admin = users["county_admin"]
    rows = [
        person(num("E001"), "甲", pid(80), 民族="满族"),  # row 2
        person(num("E002"), "乙", pid(81), 是否脱贫户="是", 监测对象类别="脱贫不稳定户",
               识别监测时间="2024-03-01", 风险类型="因债务、因病"),  # row 3
    ]  # fmt: skip
    code_, result = import_registry(write_xlsx(tmp_path / "before.xlsx", rows))
    assert code_ == 1
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "风险类型")]

    services.add_value(actor=admin, table="risk", value="因债务")
    services.retire_value(actor=admin, table="ethnicity", value="满族")
    codes.reset()  # as a new process: the import itself reads the edits
    code_, result = import_registry(write_xlsx(tmp_path / "after.xlsx", rows))
    assert code_ == 1
    assert [(e["row"], e["column"], e["message"]) for e in result["errors"]] == [
        (2, "民族", "“满族”已停用（代码表“民族”），不能再填报")
    ]
    rows[0]["民族"] = "汉族"
    code_, result = import_registry(write_xlsx(tmp_path / "fixed.xlsx", rows))
    assert code_ == 0, result["errors"]
    assert Person.objects.get(id_number=pid(81)).household.risks.strip(",").split(",") == [
        "因债务",
        "因病",
    ]


def test_a_ledger_import_sees_the_edited_table(household: Any, users: dict, tmp_path: Path) -> None:
    student = household.persons.order_by("pk").first()
    headers = ["证件号码", "姓名", "年度", "学期", "学校名称", "学历层次", "年级", "补助金额",
               "发放日期"]  # fmt: skip

    def sheet(term: str) -> Path:
        cells = [student.id_number, student.name, "2024", term, "大冶职校", "中职", "一年级",
                 "1500", "2024-04-10"]  # fmt: skip
        return write_sheet(
            tmp_path / f"{term}.xlsx", headers, [dict(zip(headers, cells, strict=True))]
        )

    result = pipeline.run("yulu", sheet("冬季"), actor=users["county_admin"], dry_run=True)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "学期")]
    services.add_value(actor=users["county_admin"], table="yulu.term", value="冬季")
    codes.reset()
    assert pipeline.run("yulu", sheet("冬季"), actor=users["county_admin"])["status"] == "imported"
    services.retire_value(actor=users["county_admin"], table="yulu.term", value="冬季")
    codes.reset()
    refused = pipeline.run("yulu", sheet("冬季"), actor=users["county_admin"], dry_run=True)
    assert [(e["row"], e["column"], e["message"]) for e in refused["errors"]] == [
        (2, "学期", "“冬季”已停用（代码表“雨露计划·学期”），不能再填报")
    ]


def test_forms_offer_the_values_in_effect_and_filters_every_value(users: dict) -> None:
    kind = Code("ethnicity")
    column = Column("ethnicity", "民族", kind)
    services.retire_value(actor=users["county_admin"], table="ethnicity", value="满族")
    services.add_value(actor=users["county_admin"], table="ethnicity", value="穿青人")
    offered = [v for v, _ in kind.form_field(column).choices]  # type: ignore[attr-defined]
    assert "穿青人" in offered and "满族" not in offered
    filtered = [v for v, _ in kind.choices()]
    assert "穿青人" in filtered and "满族" in filtered


def test_the_command_lists_changes_and_refuses_with_exit_codes(users: dict) -> None:
    status, result, _ = run_command("codes", "list", "risk")
    assert status == 0 and result["tables"][0]["in_effect"] == list(codes.RISKS)
    status, result, _ = run_command("codes", "add", "risk", "因债务")
    assert status == 0 and result["status"] == "saved"
    assert {"value": "因债务", "status": "新增"} in result["table"]["values"]
    status, result, _ = run_command("codes", "retire", "risk", "因产业项目失败")
    assert status == 0 and "因产业项目失败" not in result["table"]["in_effect"]
    status, result, _ = run_command("codes", "add", "risk", "因债务")
    assert (status, result) == (
        1,
        {"status": "rejected", "message": "“因债务”已在代码表“风险类型”中"},
    )
    status, result, _ = run_command("codes", "restore", "risk", "因产业项目失败")
    assert status == 0 and "因产业项目失败" in result["table"]["in_effect"]
    assert set(CodeEdit.objects.values_list("value", "action")) == {("因债务", "add")}
    audit = AuditRecord.objects.filter(object_type="core.codeedit")
    assert audit.count() == 3 and {r.actor for r in audit} == {users["county_admin"]}


def test_a_value_retired_in_the_year_it_was_added_stays_known(
    users: dict, regions: dict, tmp_path: Path
) -> None:
    """Added then retired in one year: its row becomes a RETIRE, not deleted; stored rows
    holding it stay valid and the filters still list it, while imports refuse it."""
    from fangpin.testing import make_household
    from registry import services as registry
    from registry.forms import HouseholdFilterForm
    from registry.models import Household

    admin = users["county_admin"]
    services.add_value(actor=admin, table="risk", value="因债务")
    h = make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2024, 3, 1),
        risk_list=["因债务"],
    )
    state = services.retire_value(actor=admin, table="risk", value="因债务")
    assert state.status("因债务") == "已停用"
    assert set(CodeEdit.objects.values_list("value", "action")) == {("因债务", "retire")}
    codes.reset()  # as a new process
    codes.expire()
    assert "因债务" in codes.known("risk") and "因债务" not in codes.values("risk")
    assert codes.retired("risk", "因债务") == "因债务"

    # The household holding it can still be updated.
    registry.update_household(actor=admin, household=h, address="新地址")
    h.refresh_from_db()
    assert h.address == "新地址" and h.risk_list == ["因债务"]
    # The list filter still offers it and finds the household.
    risk: Any = HouseholdFilterForm(regions=[]).fields["risk"]
    offered = [v for v, _ in risk.choices]
    assert "因债务" in offered
    assert list(Household.objects.with_risk("因债务")) == [h]
    # An import refuses it as retired.
    rows = [
        person(num("E002"), "乙", pid(81), 是否脱贫户="是", 监测对象类别="脱贫不稳定户",
               识别监测时间="2024-03-01", 风险类型="因债务"),
    ]  # fmt: skip
    code_, result = import_registry(write_xlsx(tmp_path / "retired.xlsx", rows))
    assert code_ == 1
    assert [(e["column"], e["message"]) for e in result["errors"]] == [
        ("风险类型", "“因债务”已停用（代码表“风险类型”），不能再填报")
    ]
    # Restored in the same year: in effect again, its row an ADD.
    services.restore_value(actor=admin, table="risk", value="因债务")
    assert codes.lookup("risk", "因债务") == "因债务"
    assert set(CodeEdit.objects.values_list("value", "action")) == {("因债务", "add")}


def test_forms_keep_the_retired_value_a_row_holds_and_offer_it_to_no_other(
    users: dict, regions: dict
) -> None:
    """A row holding a since-retired value is saved with it unchanged: the household form's
    read-only 风险类型, the member form's selects and checkboxes, the 手工更正 form and a
    ledger row form all offer it for that row, and no form offers it to another row."""
    from fangpin.testing import make_household
    from ledgers.forms import LedgerForm
    from ledgers.kit import ledgers
    from registry.forms import CorrectionForm, HouseholdForm, PersonForm

    admin = users["county_admin"]
    h = make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2024, 3, 1),
        risk_list=["因产业项目失败", "因病"],
    )
    p = h.persons.get(relation="户主")
    services.add_value(actor=admin, table="health", value="听力障碍")
    p.ethnicity, p.education, p.health = "满族", "小学", "长期慢性病、听力障碍"
    p.save()
    for table, value in [("risk", "因产业项目失败"), ("ethnicity", "满族"), ("education", "小学"),
                         ("health", "听力障碍"), ("employment.form", "企业务工")]:  # fmt: skip
        services.retire_value(actor=admin, table=table, value=value)

    def posted(form: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            if isinstance(field, forms.MultipleChoiceField):
                data[name] = codes.split_multi(value) if isinstance(value, str) else value
            else:
                data[name] = value
        return data

    initial = HouseholdForm.initial_for(h)
    form = HouseholdForm(initial=initial, viewer=admin, editing=True)
    assert [v for v, _ in form.fields["risks"].choices] == [  # type: ignore[attr-defined]
        *(v for v in codes.RISKS if v != "因产业项目失败"),
        "因产业项目失败",
    ]
    bound = HouseholdForm(posted(form), initial=initial, viewer=admin, editing=True)
    assert bound.is_valid(), bound.errors

    correction = CorrectionForm(initial=initial)
    data = posted(correction) | {"reason": "核对"}
    bound_c = CorrectionForm(data, initial=initial)
    assert bound_c.is_valid(), bound_c.errors
    assert bound_c.service_fields()["risk_list"] == ["因产业项目失败", "因病"]

    person_initial = PersonForm.initial_for(p)
    person_form = PersonForm(initial=person_initial)
    bound_p = PersonForm(posted(person_form), initial=person_initial)
    assert bound_p.is_valid(), bound_p.errors
    saved = bound_p.service_fields()
    assert (saved["ethnicity"], saved["education"]) == ("满族", "小学")
    assert codes.split_multi(saved["health"]) == ["长期慢性病", "听力障碍"]
    # Another member, holding none of them, is not offered them.
    other = PersonForm(initial=PersonForm.initial_for(h.persons.exclude(pk=p.pk).first()))
    assert "满族" not in [v for v, _ in other.fields["ethnicity"].choices]  # type: ignore[attr-defined]
    assert "听力障碍" not in [v for v, _ in other.fields["health"].choices]  # type: ignore[attr-defined]
    assert "小学" not in [v for v, _ in other.fields["education"].choices]  # type: ignore[attr-defined]

    ledger = next(lg for lg in ledgers().values() if lg.model.__name__ == "EmploymentRow")
    held = LedgerForm(ledger=ledger, viewer=admin, initial={"form": "企业务工"})
    assert ("企业务工", "企业务工") in held.fields["form"].choices  # type: ignore[attr-defined]
    new = LedgerForm(ledger=ledger, viewer=admin)
    assert ("企业务工", "企业务工") not in new.fields["form"].choices  # type: ignore[attr-defined]


def test_values_the_code_names_may_not_be_retired_but_the_table_may_grow(users: dict) -> None:
    admin = users["county_admin"]
    for table, value, title in [
        ("risk", "因病", "风险类型"),
        ("risk", "因学", "风险类型"),
        ("employment", "省外务工", "务工状况"),
        ("work_teams.post", "第一书记", "驻村工作队·职务"),
        ("health", "健康", "健康状况"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.retire_value(actor=admin, table=table, value=value)
        assert exc.value.messages == [f"“{value}”是系统规则使用的值，不能停用"], title
    for table in ("projects.status", "posts.status"):
        with pytest.raises(ValidationError, match="由业务规则或流程使用，不能修改"):
            services.add_value(actor=admin, table=table, value="暂停")
    assert CodeEdit.objects.count() == 0
    # 风险类型 still grows: a value and an alias added, and an unnamed value retired.
    services.add_value(actor=admin, table="risk", value="因债务")
    services.add_alias(actor=admin, table="risk", alias="因病致贫", value="因病")
    services.retire_value(actor=admin, table="risk", value="因产业项目失败")
    assert codes.lookup("risk", "因病致贫") == "因病"
    # Every protected value names a value of a table that exists.
    for table, values in codes.PROTECTED.items():
        assert table in codes.TABLES and table not in codes.FIXED, table
        assert values <= set(codes.TABLES[table]), table


def test_a_rule_raises_a_lead_with_a_retired_risk_a_person_cannot(
    users: dict, household: Any
) -> None:
    from monitoring.services import create_lead

    admin = users["county_admin"]
    services.retire_value(actor=admin, table="risk", value="因产业项目失败")
    common = dict(actor=admin, reported_date=dt.date.today(), household=household,
                  risks=["因产业项目失败"])  # fmt: skip
    with pytest.raises(ValidationError, match="不在代码表中"):
        create_lead(source="基层干部排查", **common)
    lead = create_lead(source="部门筛查预警", from_rules=True, **common)
    assert "因产业项目失败" in lead.risks


def test_an_alias_is_held_to_its_own_field_not_the_columns_length(users: dict) -> None:
    admin = users["county_admin"]
    services.add_alias(actor=admin, table="yulu.term", alias="春季学期（上半年）", value="春季")
    services.add_alias(actor=admin, table="risk", alias="因家庭成员患重大疾病致贫", value="因病")
    assert codes.lookup("yulu.term", "春季学期(上半年)") == "春季"
    assert codes.lookup("risk", "因家庭成员患重大疾病致贫") == "因病"
    cases = [
        ("  ", "因病", "请填写别名"),
        ("因" * 61, "因病", "别名最多60个字，实为61个字"),
        ("因病、因残", "因病", "别名不能含有“、”“，”“；”等分隔符"),
        ("因 残", "因病", "“因 残”已是代码表中的值"),
        ("因灾", "因病", "“因灾”已是“因自然灾害”的别名"),
        ("因家庭成员患重大疾病致贫", "因残", "“因家庭成员患重大疾病致贫”已是“因病”的别名"),
    ]
    for alias, value, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.add_alias(actor=admin, table="risk", alias=alias, value=value)
        assert exc.value.message_dict == {"alias": [message]}, alias
    assert CodeEdit.objects.count() == 2


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("初中二年级", "八年级"),
        ("初中3年级", "九年级"),
        ("高中2年级", "高中二年级"),
        ("高中三年级 ", "高中三年级"),
        ("中职2年级", "中职二年级"),
        ("中专一年级", "中职一年级"),
        ("高职高专3年级", "高职高专三年级"),
        ("小学五年级级", "小学"),
        # A grade the stage lacks, or no stage at all and several grades as near: no hint.
        ("高职四年级", None),
        ("中职4年级", None),
        ("五年级", None),
        ("一年级", None),
        ("高中年级", None),
    ],
)
def test_a_schooling_hint_names_the_grade_within_the_stage(
    typed: str, hint: str | None, users: dict
) -> None:
    assert codes.suggest("schooling", typed) == hint
