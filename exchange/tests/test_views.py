"""The work queue pages: scoping, filters, bulk assignment, results, upload, export, rules."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditRecord
from exchange import services
from exchange.models import Batch, Item, Rule, RuleYear
from exchange.readers import SOURCES
from exchange.tests.conftest import member, write_file
from monitoring.models import Lead


def med_row(p, amount="30000"):
    return {
        "证件号码": p.id_number,
        "姓名": p.name,
        "结算日期": "2026-04-01",
        "就诊类型": "住院",
        "医疗总费用": "90000",
        "个人自付": amount,
    }


@pytest.fixture
def items(run_compare, household, other_household):
    """One warning in 金山店镇/朝阳村 and one in 还地桥镇/白羊村."""
    here = member(household)
    there = member(other_household)
    run_compare("medical", [med_row(here), med_row(there)])
    return {
        "here": Item.objects.get(person=here),
        "there": Item.objects.get(person=there),
    }


def test_the_queue_shows_only_the_users_region(client_for, items, django_assert_max_num_queries):
    client = client_for("town_staff")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("exchange:index"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [items["here"]]
    assert "2026年累计个人自付医疗费用 30,000 元" in response.content.decode()


def test_another_towns_user_sees_none_of_these_items_and_gets_404(client_for, items):
    client = client_for("other_town")
    listed = client.get(reverse("exchange:index")).context["page"].object_list
    assert list(listed) == [items["there"]]
    assert client.get(reverse("exchange:item_detail", args=[items["here"].pk])).status_code == 404


def test_filters_narrow_the_queue(client_for, items):
    client = client_for("county_admin")
    url = reverse("exchange:index")
    assert len(client.get(url).context["page"].object_list) == 2
    assert len(client.get(url, {"kind": "finding"}).context["page"].object_list) == 0
    village = items["here"].household.region_id
    rows = client.get(url, {"village": village, "severity": "red", "source": "medical"})
    assert list(rows.context["page"].object_list) == [items["here"]]


def test_bulk_assignment_assigns_the_ticked_items(client_for, items, users):
    client = client_for("town_staff")
    response = client.post(
        reverse("exchange:index"),
        {"items": [items["here"].pk, items["there"].pk], "assignee": users["village_staff"].pk},
    )
    assert response.status_code == 302
    items["here"].refresh_from_db()
    items["there"].refresh_from_db()
    assert (items["here"].status, items["here"].assignee) == ("assigned", users["village_staff"])
    assert items["there"].assignee is None  # another town's item is never touched


def test_assigning_to_someone_outside_the_region_is_refused(client_for, items, users):
    client = client_for("town_staff")
    response = client.post(
        reverse("exchange:index"), {"items": [items["here"].pk], "assignee": users["other_town"].pk}
    )
    assert response.status_code == 302
    items["here"].refresh_from_db()
    assert items["here"].assignee is None


def test_monitoring_result_opens_a_lead_with_the_warning_as_origin(client_for, items):
    client = client_for("village_staff")
    url = reverse("exchange:item_detail", args=[items["here"].pk])
    response = client.post(url, {"result": "纳入监测", "note": "入户核实属实"})
    assert response.status_code == 302
    item = Item.objects.get(pk=items["here"].pk)
    assert (item.status, item.result) == ("done", "纳入监测")
    lead = Lead.objects.get(origin=f"exchange.warning:{item.pk}")
    assert item.lead == lead
    assert AuditRecord.objects.filter(
        object_type="exchange.item", object_id=str(item.pk), action="update"
    ).exists()
    assert (lead.source, lead.origin, lead.risks) == (
        "部门筛查预警",
        f"exchange.warning:{item.pk}",
        "因病",
    )


def test_dismissing_needs_a_reason(client_for, items):
    client = client_for("village_staff")
    url = reverse("exchange:item_detail", args=[items["here"].pk])
    response = client.post(url, {"result": "不纳入"})
    assert response.status_code == 200
    assert "选择“不纳入”时请填写理由" in response.content.decode()
    assert Item.objects.get(pk=items["here"].pk).status == "open"


def test_corrected_records_the_changed_fields(client_for, items):
    client = client_for("village_staff")
    url = reverse("exchange:item_detail", args=[items["here"].pk])
    client.post(url, {"result": "已修正", "changed_fields": "健康状况：健康→患有大病\n\n"})
    item = Item.objects.get(pk=items["here"].pk)
    assert item.changed_fields == ["健康状况：健康→患有大病"] and item.result == "已修正"


def test_an_auditor_cannot_record_results(client_for, items):
    client = client_for("auditor")
    url = reverse("exchange:item_detail", args=[items["here"].pk])
    assert client.post(url, {"result": "不纳入", "note": "x"}).status_code == 403


def test_uploading_a_file_runs_the_comparison_as_a_job(
    client_for, household, django_capture_on_commit_callbacks, tmp_path
):
    p = member(household)
    path = write_file(tmp_path, "medical", [med_row(p)])
    client = client_for("county_admin")
    upload = SimpleUploadedFile("医保.csv", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_list"),
            {"source": "medical", "file": upload, "as_of": "2026-06-30"},
        )
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert (batch.records, batch.matched, batch.warnings_created) == (1, 1, 1)
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert page.status_code == 200 and "W_MED_SELFPAY" in page.content.decode()


def test_an_upload_with_a_line_break_in_a_cell_is_compared_by_its_job(
    client_for, household, django_capture_on_commit_callbacks
):
    from core.models import Job

    p = member(household)
    content = (
        "证件号码,姓名,鉴定等级,鉴定日期\n"
        f'{p.id_number},"{p.name}\n（户主）",C,2026-04-01\n'
        f"{p.id_number},{p.name},X,2026-04-01\n"
    )
    upload = SimpleUploadedFile("住建.csv", content.encode("gb18030"))
    with django_capture_on_commit_callbacks(execute=True):
        client_for("county_admin").post(
            reverse("exchange:batch_list"),
            {"source": "housing", "file": upload, "as_of": "2026-06-30"},
        )
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    batch = Batch.objects.get()
    assert (batch.records, batch.matched, batch.rejected_rows) == (2, 1, 1)
    assert batch.errors == [{"row": 4, "message": "鉴定等级“X”不在代码表中（应为A/B/C/D）"}]


def test_a_csv_over_the_row_cap_is_refused_before_it_is_read(
    client_for, household, django_capture_on_commit_callbacks, tmp_path, settings
):
    """FANGPIN_IMPORT_MAX_CSV_ROWS bounds a department's CSV as it bounds an import's (the
    workbook was bounded, the CSV was read whole)."""
    settings.FANGPIN_IMPORT_MAX_CSV_ROWS = 5
    p = member(household)
    path = write_file(tmp_path, "medical", [med_row(p)] * 8, encoding="gb18030")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("county_admin").post(
            reverse("exchange:batch_list"),
            {"source": "medical", "file": SimpleUploadedFile("医保.csv", path.read_bytes())},
        )
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert (batch.records, batch.matched, batch.warnings_created) == (0, 0, 0)
    assert batch.errors == [
        {"row": None, "message": "CSV文件超过5行，已拒绝；请按乡镇拆分后分别上传"}
    ]
    assert not Item.objects.exists()
    page = client_for("county_admin").get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert "CSV文件超过5行" in page.content.decode()


def test_an_uploaded_workbook_giving_a_column_twice_is_refused_and_its_page_says_where(
    client_for, household, django_capture_on_commit_callbacks, tmp_path
):
    """Two 金额 columns (a 民政 sheet with the month's and the year's): the file is refused with
    both positions on the batch's page, and no row of it is kept."""
    import xlsxwriter

    p = member(household)
    path = tmp_path / "民政.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["证件号码", "姓名", "救助类别", "开始日期", "结束日期", "金额", "金额"])
    sheet.write_row(1, 0, [p.id_number, p.name, "农村低保", "2026-01-01", "", "300", "3600"])
    book.close()
    client = client_for("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_list"),
            {"source": "civil", "file": SimpleUploadedFile("民政.xlsx", path.read_bytes())},
        )
    assert response.status_code == 302
    batch = Batch.objects.get()
    message = "以下列重复出现：“金额”（第6列和第7列），请只保留一列"
    assert (batch.status, batch.records, batch.errors) == (
        Batch.Status.REJECTED,
        0,
        [{"row": None, "message": message}],
    )
    assert not Item.objects.exists()
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert message in page.content.decode()


def test_an_uploaded_workbook_with_an_excel_error_cell_rejects_that_row_and_compares_the_rest(
    client_for, household, django_capture_on_commit_callbacks, tmp_path
):
    """A 个人自付 of #DIV/0! is a rejected row on the batch's page, as a bad amount is; the
    other rows are compared (and warned about)."""
    from fangpin.testing import with_excel_errors, write_sheet

    p = member(household)
    headers = SOURCES["medical"].headers  # 个人自付 last: column I
    path = write_sheet(tmp_path / "医保.xlsx", headers, [med_row(p), med_row(p, "20000")])
    with_excel_errors(path, {"I3": "#DIV/0!"})
    client = client_for("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_list"),
            {"source": "medical", "file": SimpleUploadedFile("医保.xlsx", path.read_bytes())},
        )
    assert response.status_code == 302
    batch = Batch.objects.get()
    message = "个人自付：单元格是Excel错误值“#DIV/0!”（公式出错），请改为实际的值或留空"
    assert (batch.status, batch.records, batch.matched, batch.rejected_rows) == (
        Batch.Status.DONE,
        2,
        1,
        1,
    )
    assert batch.errors == [{"row": 3, "message": message}]
    assert batch.warnings_created == 1 and Item.objects.get().person == p
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
    assert message in page.content.decode()


def test_an_upload_with_a_comparison_date_after_today_is_a_form_error(
    client_for, household, tmp_path
):
    import datetime as dt
    from unittest.mock import patch

    from core.models import Job

    path = write_file(tmp_path, "medical", [med_row(member(household))])
    with patch("core.dates.today", return_value=dt.date(2026, 6, 30)):
        response = client_for("county_admin").post(
            reverse("exchange:batch_list"),
            {
                "source": "medical",
                "file": SimpleUploadedFile("医保.csv", path.read_bytes()),
                "as_of": "2026-07-01",
            },
        )
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"] == [
        "比对基准日2026-07-01晚于今天（2026-06-30），不能比对未来"
    ]
    assert "不能比对未来" in response.content.decode()
    assert not Job.objects.exists() and not Batch.objects.exists()


def test_uploading_a_wrong_type_names_the_problem(client_for):
    client = client_for("county_admin")
    upload = SimpleUploadedFile("data.txt", b"x")
    response = client.post(reverse("exchange:batch_list"), {"source": "medical", "file": upload})
    assert response.status_code == 200
    assert "不支持的文件类型“.txt”，请上传 .xlsx 或 .csv 文件" in response.content.decode()
    assert not Batch.objects.exists()


def test_the_job_page_says_a_file_was_refused_and_why(
    client_for, household, django_capture_on_commit_callbacks, tmp_path
):
    """Not only “已完成”: a 残联 file uploaded as 医保 is refused, and the page says so at once."""
    p = member(household)
    row = {"证件号码": p.id_number, "姓名": p.name, "残疾人证号": p.id_number + "11"}
    path = write_file(tmp_path, "disability", [row | {"残疾等级": "一级"}], encoding="gb18030")
    client = client_for("town_staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_list"),
            {"source": "medical", "file": SimpleUploadedFile("医保.csv", path.read_bytes())},
        )
    page = client.get(response.url).content.decode()
    assert "文件已拒收：缺少必需的列：结算日期、" in page and "残联残疾人证文件" in page
    path = write_file(tmp_path, "medical", [med_row(p)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_list"),
            {"source": "medical", "file": SimpleUploadedFile("医保.csv", path.read_bytes())},
        )
    page = client.get(response.url).content.decode()
    assert "共1行，匹配1行，未匹配0行，错误行0行，新增预警1条、疑点0条" in page


def test_uploading_an_old_xls_workbook_says_to_save_it_as_xlsx(client_for):
    client = client_for("county_admin")
    upload = SimpleUploadedFile("医保结算.XLS", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    response = client.post(reverse("exchange:batch_list"), {"source": "medical", "file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "不支持旧版 .xls 格式，请用 Excel 或 WPS 另存为 .xlsx 或 CSV 后再上传"
    ]
    assert not Batch.objects.exists()


def test_feedback_export_has_the_department_columns_and_the_results(client_for, items):
    from python_calamine import CalamineWorkbook

    from exchange import services

    services.resolve(actor=None, item=items["here"], result="不纳入", note="已报销")
    client = client_for("town_staff")
    batch = items["here"].last_batch
    response = client.get(reverse("exchange:batch_export", args=[batch.pk]))
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0][:3] == ["证件号码", "姓名", "结算日期"] and "核实结果" in rows[0]
    assert len(rows) == 2  # only the town's own item
    assert rows[1][rows[0].index("核实结果")] == "不纳入"
    assert str(rows[1][0]).count("*") == 10  # masked for a user without sensitive rights


def test_a_towns_own_batch_is_404_for_another_town_but_county_batches_are_shared(
    client_for, items, regions, tmp_path
):
    from exchange import services

    path = write_file(tmp_path, "housing", [])
    town_batch = services.compare(actor=None, source="housing", path=path, region=regions["town"])
    client = client_for("other_town")
    assert client.get(reverse("exchange:batch_detail", args=[town_batch.pk])).status_code == 404
    county_batch = items["here"].last_batch
    page = client.get(reverse("exchange:batch_detail", args=[county_batch.pk]))
    assert page.status_code == 200
    assert [r["total"] for r in page.context["rules"]] == [1]  # only its own item counted


def test_the_county_admin_sees_a_batch_a_town_uploaded(client_for, items, regions, tmp_path):
    from exchange import services

    path = write_file(tmp_path, "housing", [])
    town_batch = services.compare(actor=None, source="housing", path=path, region=regions["town"])
    client = client_for("county_admin")
    assert client.get(reverse("exchange:batch_detail", args=[town_batch.pk])).status_code == 200
    listed = client.get(reverse("exchange:batch_list")).content.decode()
    assert reverse("exchange:batch_detail", args=[town_batch.pk]) in listed


def test_a_rule_page_with_a_wrong_year_answers_400_in_chinese(client_for, items):
    rule = Rule.objects.get(code="W_MED_SELFPAY")
    url = reverse("exchange:rule_edit", args=[rule.pk])
    for year in ("abc", "1900", "99999"):
        response = client_for("county_admin").get(url, {"year": year})
        assert response.status_code == 400 and "年度" in response.content.decode()


def test_county_admin_sets_a_years_parameters_through_a_form_and_others_cannot(client_for, items):
    rule = Rule.objects.get(code="W_MED_SELFPAY")
    url = reverse("exchange:rule_edit", args=[rule.pk])
    assert client_for("town_staff").get(url).status_code == 403
    client = client_for("county_admin")
    page = client.get(url).content.decode()
    assert "JSON" not in page and "textarea" not in page
    assert "一般农户的预警线（元）" in page and "统计期间（个月）" not in page
    form = {"year": 2027, "enabled": "on", "p_threshold_priority": "5000"}
    response = client.post(url, form | {"p_threshold_general": "26000"})
    assert response.status_code == 302
    assert RuleYear.objects.get(rule=rule, year=2027).parameters == {
        "threshold_priority": 5000,
        "threshold_general": 26000,
    }
    bad = client.post(url, form | {"p_threshold_general": "两万"})
    assert "一般农户的预警线（元）" in bad.content.decode() and "整数" in bad.content.decode()


def test_list_and_age_parameters_are_typed_as_words_and_checked(client_for, items):
    client = client_for("county_admin")
    housing = Rule.objects.get(code="W_HOUSING_CD")
    url = reverse("exchange:rule_edit", args=[housing.pk])
    assert 'value="C、D"' in client.get(url).content.decode()
    assert client.post(url, {"year": 2027, "p_grades": "C，D，B"}).status_code == 302
    assert RuleYear.objects.get(rule=housing, year=2027).parameters == {"grades": ["C", "D", "B"]}
    ages = Rule.objects.get(code="W_EDU_DROPOUT")
    url = reverse("exchange:rule_edit", args=[ages.pk])
    wrong = client.post(url, {"year": 2027, "p_min_age": "16", "p_max_age": "6"})
    assert "年龄上限不能小于年龄下限" in wrong.content.decode()


def test_every_rule_parameter_has_a_chinese_label(db):
    from core.checks import all_checks
    from exchange.parameters import PARAMS
    from exchange.rules import BUILTIN

    keys = {k for d in BUILTIN for k in d.parameters} | {
        k for c in all_checks() for k in c.parameters
    }
    assert keys <= set(PARAMS), keys - set(PARAMS)


def test_the_rule_list_names_sources_and_parameters_in_chinese(client_for, items):
    body = client_for("county_admin").get(reverse("exchange:rule_list")).content.decode()
    assert "医保" in body and "台账内部校验" in body
    assert "一般农户的预警线 20000元" in body and "threshold_general" not in body
    assert ">medical<" not in body and ">register<" not in body


def test_rule_list_and_home_widgets_show_counts(client_for, items):
    client = client_for("town_staff")
    response = client.get(reverse("exchange:rule_list"))
    assert response.status_code == 200
    assert "W_MED_SELFPAY" in response.content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "待核实部门预警" in home


def test_running_the_checks_from_the_rule_page_is_a_job_and_auditors_cannot(
    client_for, household, django_capture_on_commit_callbacks
):
    member(household, health="健康", schooling="非在校生", labour_skill="无劳动力")
    assert client_for("auditor").post(reverse("exchange:rule_list")).status_code == 403
    client = client_for("town_staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:rule_list"))
    assert response.status_code == 302
    assert Item.objects.filter(rule__code="C_AGE_LABOUR", household=household).count() == 1


def test_each_source_page_lists_its_columns_and_offers_a_template(client_for):
    from python_calamine import CalamineWorkbook

    from exchange.readers import SOURCES

    client = client_for("town_staff")
    listed = client.get(reverse("exchange:batch_list")).content.decode()
    for code in SOURCES:
        assert reverse("exchange:source", args=[code]) in listed
    page = client.get(reverse("exchange:source", args=["civil"])).content.decode()
    assert "救助类别" in page and "农村低保、农村特困" in page and "可空" in page
    assert reverse("exchange:source_template", args=["civil"]) in page
    response = client.get(reverse("exchange:source_template", args=["civil"]))
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert rows.to_python()[0] == SOURCES["civil"].headers
    assert client.get(reverse("exchange:source", args=["nope"])).status_code == 404


def test_a_broken_xlsx_is_rejected_with_a_chinese_message(run_compare, tmp_path, regions):
    from exchange import services

    path = tmp_path / "医保.xlsx"
    path.write_bytes(b"this is not a zip file at all")
    batch = services.compare(actor=None, source="medical", path=path, region=regions["county"])
    assert batch.status == Batch.Status.REJECTED
    message = batch.errors[0]["message"]
    assert "不是有效的 .xlsx" in message and "EOCD" not in message and "zip" not in message


def test_an_earlier_batchs_feedback_keeps_its_rows_after_the_same_file_again(
    client_for, household, run_compare
):
    from python_calamine import CalamineWorkbook

    here = member(household)
    first = run_compare("medical", [med_row(here)])
    second = run_compare("medical", [med_row(here)])
    item = Item.objects.get(person=here)
    assert item.first_batch == first and item.last_batch == second
    client = client_for("county_admin")
    for batch in (first, second):
        response = client.get(reverse("exchange:batch_export", args=[batch.pk]))
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
        assert len(rows.to_python()) == 2, batch
        page = client.get(reverse("exchange:batch_detail", args=[batch.pk]))
        assert [r["total"] for r in page.context["rules"]] == [1]


def test_the_feedback_files_close_date_is_the_local_date(client_for, items):
    import datetime as dt

    from python_calamine import CalamineWorkbook

    # 2026-07-01 01:30 in Beijing is still 2026-06-30 in UTC.
    late = dt.datetime(2026, 6, 30, 17, 30, tzinfo=dt.UTC)
    Item.objects.filter(pk=items["here"].pk).update(
        status="done", result="不纳入", resolved_at=late
    )
    client = client_for("county_admin")
    batch = items["here"].last_batch
    response = client.get(reverse("exchange:batch_export", args=[batch.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    table = rows.to_python()
    column = table[0].index("办结日期")
    assert {str(r[column])[:10] for r in table[1:] if r[column]} == {"2026-07-01"}


def test_a_disability_certificate_does_not_undo_the_id_number_mask(
    client_for, household, run_compare
):
    """A 残疾人证号 is the holder's ID number and two digits: the finding's message and the
    feedback workbook show it masked, as they show the ID number, to a user who may not see it."""
    from python_calamine import CalamineWorkbook

    holder = member(household, health="健康")
    certificate = holder.id_number + "41"
    batch = run_compare(
        "disability",
        [
            {
                "证件号码": holder.id_number,
                "姓名": holder.name,
                "残疾人证号": certificate,
                "残疾类别": "肢体",
                "残疾等级": "四级",
                "发证日期": "2026-05-01",
            }
        ],
    )
    item = Item.objects.get(person=holder, rule__code="F_DIS_HEALTH")
    client = client_for("town_staff")
    for url in (reverse("exchange:index"), reverse("exchange:item_detail", args=[item.pk])):
        page = client.get(url).content.decode()
        assert "残联有残疾人证" in page and holder.id_number not in page, url
    response = client.get(reverse("exchange:batch_export", args=[batch.pk]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    cells = [str(c) for row in rows.to_python() for c in row]
    assert "残疾人证号" in cells and not [c for c in cells if holder.id_number in c]


def test_a_message_stored_before_masking_is_masked_by_the_migration(household, run_compare):
    from importlib import import_module

    from django.apps import apps

    holder = member(household)
    run_compare("medical", [med_row(holder)])
    item = Item.objects.get(person=holder)
    full = f"残联有残疾人证（{holder.id_number}41，肢体四级），电话13800001111"
    Item.objects.filter(pk=item.pk).update(message=full)
    import_module("exchange.migrations.0004_mask_numbers_in_messages").forwards(apps, None)
    item.refresh_from_db()
    assert holder.id_number not in item.message and "13800001111" not in item.message
    assert item.message.startswith("残联有残疾人证（") and "肢体四级" in item.message


def test_a_rejected_rows_reason_quotes_its_cell_masked_but_to_its_uploader(
    client_for, users, regions, household, tmp_path
):
    """A reason quotes the cell (残疾等级“13800001111”不在代码表中), and a batch's file name may
    name a number: both masked to a user who neither uploaded the file nor may see full numbers;
    a user who may is shown them, and the sight is logged; the uploader reads their own file.
    A village below the county's file is not shown its error rows at all."""
    holder = member(household)
    row = {
        "证件号码": holder.id_number,
        "姓名": holder.name,
        "残疾人证号": f"{holder.id_number}41",
        "残疾类别": "肢体",
        "残疾等级": "13800001111",
        "发证日期": "2026-05-01",
    }
    batch = services.compare(
        actor=users["town_staff"],
        source="disability",
        path=write_file(tmp_path, "disability", [row]),
        filename=f"残联{holder.id_number}.csv",
        region=regions["county"],
    )
    assert "13800001111" in str(batch.errors)
    url = reverse("exchange:batch_detail", args=[batch.pk])
    seen = AuditRecord.objects.filter(action="view_sensitive")
    for who in ("village_staff", "auditor"):
        page = client_for(who).get(url).content.decode()
        assert ("残疾等级“138****1111”不在代码表中" in page) == (who == "auditor"), who
        assert "13800001111" not in page and holder.id_number not in page, who
        listed = client_for(who).get(reverse("exchange:batch_list")).content.decode()
        assert f"残联{holder.masked_id()}.csv" in listed and holder.id_number not in listed
    assert not seen.exists()
    assert "13800001111" in client_for("town_staff").get(url).content.decode()
    assert not seen.exists()
    assert "13800001111" in client_for("county_admin").get(url).content.decode()
    assert seen.get().actor == users["county_admin"]


def test_people_the_register_lacks_are_listed_only_to_who_sees_the_batchs_whole_scope(
    client_for, household, run_compare
):
    """A county file's people who are on no register live nowhere the system knows: the town and
    the village reading the county's batch see its figures, not those people."""
    holder = member(household)
    stranger = {**med_row(holder), "证件号码": "420281197503080022", "姓名": "外县人"}
    batch = run_compare("medical", [med_row(holder), stranger])
    assert batch.unmatched == 1
    url = reverse("exchange:batch_detail", args=[batch.pk])
    for who in ("town_staff", "village_staff"):
        page = client_for(who).get(url).content.decode()
        assert "未匹配到台账人员" not in page and "外县人" not in page, who
    page = client_for("auditor").get(url).content.decode()
    assert "外县人" in page and "4202**********0022" in page
    assert "420281197503080022" in client_for("county_admin").get(url).content.decode()
