"""Evidence per step, 信息比对 against the department batches, the 公示 notice, places named by
their village, and change logs in Chinese (issue 12 points 4, 5 and 7)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from core.masking import mask_id
from exchange import services as exchange_services
from exchange.tests.conftest import write_file
from fangpin.testing import make_household
from monitoring import services
from monitoring.models import Attachment, DeadlinePolicy, NoticeContact
from monitoring.tests.helpers import (
    TODAY,
    advance,
    make_case,
    pdf,
    png,
)
from registry import services as registry_services

pytestmark = pytest.mark.django_db


# --- Materials -----------------------------------------------------------------------------------


def test_each_step_lists_its_materials_required_or_optional(client_for, users, household):
    case = make_case(users, household)
    page = client_for("grid_member").get(reverse("monitoring:case_detail", args=[case.pk]))
    body = page.content.decode()
    materials = {s.step: s for s in page.context["materials"]}
    assert [m.label for m in materials["visit"].materials] == ["签字承诺授权书", "入户核查表"]
    assert [m.required for m in materials["visit"].materials] == [True, False]
    assert [m.label for m in materials["review"].materials] == ["评议记录"]
    assert "未上传" in body
    assert [k for k, _ in page.context["upload_form"].fields["kind"].choices] == [
        "consent",
        "visit_form",
        "evidence",
    ]


def test_uploaded_materials_are_listed_and_visible_only_to_who_may_see_the_case(
    client_for, users, household
):
    case = make_case(users, household)
    client = client_for("grid_member")
    url = reverse("monitoring:case_action", args=[case.pk, "upload"])
    response = client.post(url, {"kind": "consent", "file": png("承诺书.png")})
    assert response.status_code == 302
    row = Attachment.objects.get()
    assert (row.case, row.step, row.kind, row.name) == (case, "visit", "consent", "承诺书.png")
    page = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    visit = next(s for s in page.context["materials"] if s.step == "visit")
    assert visit.materials[0].files == [row] and not visit.materials[0].missing
    for role in ("county_admin", "auditor", "town_staff", "village_staff"):
        download = client_for(role).get(reverse("monitoring:attachment", args=[row.pk]))
        assert download.status_code == 200, role
    assert (
        client_for("other_town").get(reverse("monitoring:attachment", args=[row.pk])).status_code
        == 404
    )
    assert client_for("other_town").post(url, {"kind": "consent", "file": pdf()}).status_code == 404
    assert client_for("auditor").post(url, {"kind": "consent", "file": pdf()}).status_code == 403


def test_a_step_with_a_required_material_missing_is_refused(users, household):
    case = advance(users, make_case(users, household, days_ago=30), until="review")
    with pytest.raises(services.ValidationError, match="请先上传本环节必需的材料：评议记录"):
        services.complete_step(
            actor=users["village_staff"],
            case=case,
            decision="通过",
            on=case.start_date + dt.timedelta(days=3),
        )


def test_the_county_configures_which_materials_a_step_requires(client_for, users, household):
    client = client_for("county_admin")
    data = {"section": "materials", "review__minutes": "optional", "town__opinion": "required"}
    assert client.post(reverse("monitoring:settings"), data).status_code == 302
    policy = DeadlinePolicy.current()
    assert policy.materials_for("review") == {"minutes": "optional"}
    assert policy.materials_for("town") == {"opinion": "required"}
    assert policy.materials_for("visit") == {}  # nothing chosen: nothing asked
    case = advance(users, make_case(users, household, days_ago=30), until="town")
    with pytest.raises(services.ValidationError, match="请先上传本环节必需的材料：审核意见"):
        services.complete_step(
            actor=users["town_staff"],
            case=case,
            decision="通过",
            on=case.start_date + dt.timedelta(days=10),
        )
    assert client_for("town_staff").post(reverse("monitoring:settings"), data).status_code == 403


def test_the_case_file_materials_include_every_step(users, household):
    case = advance(users, make_case(users, household, days_ago=30))
    listed = services.case_materials(case)
    assert [s.label for s in listed] == [
        "入户核查",
        "信息比对",
        "村级民主评议",
        "公示",
        "乡镇审核",
        "县级审定",
    ]
    assert all(not m.missing for s in listed for m in s.materials)


# --- 信息比对 ------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    return settings.DATA_DIR


def test_the_comparison_step_shows_medical_and_civil_findings_from_loaded_batches(
    client_for, users, household, regions, tmp_path, data_dir
):
    member = household.persons.get(relation="配偶")
    rows_medical = [
        {
            "证件号码": member.id_number,
            "姓名": member.name,
            "结算日期": "2026-10-08",
            "就诊类型": "住院",
            "医疗总费用": "36000",
            "个人自付": "15200",
        }
    ]
    rows_civil = [
        {
            "证件号码": member.id_number,
            "姓名": member.name,
            "救助类别": "临时救助",
            "开始日期": "2026-10-20",
            "金额": "3000",
        }
    ]
    for source, rows, as_of in (
        ("medical", rows_medical, dt.date(2026, 10, 31)),
        ("civil", rows_civil, dt.date(2026, 11, 5)),
    ):
        exchange_services.compare(
            actor=None,
            source=source,
            path=write_file(tmp_path, source, rows),
            filename=f"{source}-2026.csv",
            as_of=as_of,
            region=regions["county"],
        )
    case = advance(users, make_case(users, household, days_ago=30), until="compare")
    client = client_for("village_staff")
    page = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    found = page.context["comparison"]["findings"]
    assert {(f["source_label"], f["batch_name"], f["as_of"]) for f in found} == {
        ("医保", "medical-2026.csv", "2026-10-31"),
        ("民政", "civil-2026.csv", "2026-11-05"),
    }
    body = page.content.decode()
    assert "个人自付：15,200.00" in body and "救助类别：临时救助" in body
    assert "医保（1批，最近基准日 2026-10-31）" in body
    assert "未加载（请向部门核实后手工填写结果）：残联" in body
    response = client.post(
        reverse("monitoring:case_detail", args=[case.pk]),
        {"decision": "通过", "done_on": (case.start_date + dt.timedelta(days=2)).isoformat()},
    )
    assert "请填写信息比对结果" in response.content.decode()
    advance(users, case, until="review")
    log = case.logs.get(step="compare", action="完成")
    assert {f["source"] for f in log.data["findings"]} == {"医保", "民政"}


def test_the_comparison_shows_a_certificate_and_a_phone_masked(
    client_for, users, household, regions, tmp_path, data_dir
):
    """A 残疾人证号 is its holder's ID number and two digits, and a department's text may name a
    phone: the comparison on the case page, its record and the batch's name show them masked
    (to everyone: a page shows the register's numbers masked)."""
    member = household.persons.get(relation="配偶")
    rows = [
        {
            "证件号码": member.id_number,
            "姓名": member.name,
            "残疾人证号": f"{member.id_number}41",
            "残疾类别": "视力，联系电话13800001111",
            "残疾等级": "四级",
            "发证日期": "2026-05-01",
        }
    ]
    exchange_services.compare(
        actor=None,
        source="disability",
        path=write_file(tmp_path, "disability", rows),
        filename=f"残联{member.id_number}.csv",
        as_of=dt.date(2026, 10, 31),
        region=regions["county"],
    )
    case = advance(users, make_case(users, household, days_ago=30), until="compare")
    for who in ("village_staff", "county_admin"):
        body = client_for(who).get(reverse("monitoring:case_detail", args=[case.pk]))
        text = body.content.decode()
        assert f"残疾人证号：{mask_id(member.id_number + '41')}" in text, who
        assert member.id_number not in text and "13800001111" not in text, who
        assert "138****1111" in text and f"残联{member.masked_id()}.csv" in text, who
    advance(users, case, until="review")
    log = case.logs.get(step="compare", action="完成")
    assert member.id_number not in str(log.data) and "13800001111" not in str(log.data)


def test_the_comparison_says_so_when_no_department_data_is_loaded(
    client_for, users, household, data_dir
):
    case = advance(users, make_case(users, household, days_ago=30), until="compare")
    body = client_for("village_staff").get(reverse("monitoring:case_detail", args=[case.pk]))
    text = body.content.decode()
    assert "未加载（请向部门核实后手工填写结果）：医保" in text
    assert "已加载的部门数据中没有该户成员的记录" in text or "尚未加载任何部门数据" in text


# --- 公示, places and change logs -------------------------------------------------------------


def test_the_notice_names_the_village_committee_the_supervision_phone_and_12317(
    client_for, users, regions
):
    client = client_for("county_admin")
    response = client.post(
        reverse("monitoring:settings"),
        {
            "section": "contact",
            "region": regions["town"].pk,
            "unit": "金山店镇纪委",
            "phone": "0714-6200123",
        },
    )
    assert response.status_code == 302
    setting = NoticeContact.for_region(regions["group"])
    assert setting is not None and setting.phone == "0714-6200123"
    h = make_household(regions["group"])
    case = advance(users, make_case(users, h, days_ago=30), until="notice")
    body = (
        client_for("village_staff")
        .get(reverse("monitoring:case_notice", args=[case.pk]))
        .content.decode()
    )
    assert "朝阳村拟纳入防止返贫致贫对象公示" in body  # the 行政村's notice, not the 组's
    assert "金山店镇朝阳村村民委员会" in body
    assert "监督电话：0714-6200123（金山店镇纪委）" in body and "12317" in body
    assert "金山店镇/朝阳村/一组" in body


def _groups_only_with_their_village(body: str) -> bool:
    text = re.sub(r"<[^>]+>", " ", body)
    return "一组" in text and not re.search(r"(?<!朝阳村/)一组", text)


def test_no_view_shows_a_group_in_place_of_its_village(client_for, users, regions):
    h = make_household(regions["group"], address="12号", is_alleviated=True, alleviated_year=2018)
    lead = services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=TODAY - dt.timedelta(days=30),
        household=h,
        risks=["因病"],
    )
    case = services.open_case(actor=users["village_staff"], lead=lead)
    services.mark_overdue()
    client = client_for("county_admin")
    pages = [
        reverse("monitoring:index"),
        reverse("monitoring:lead_detail", args=[lead.pk]),
        reverse("monitoring:case_list"),
        reverse("monitoring:case_detail", args=[case.pk]),
        reverse("monitoring:overdue"),
        reverse("monitoring:household", args=[h.pk]),
        reverse("assistance:household", args=[h.pk]),
        reverse("assistance:overdue"),
        f"/assistance/?q={h.number}",
        f"/assistance/visits/new/?household={h.pk}",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert _groups_only_with_their_village(body), url
    tasks = client_for("grid_member").get(reverse("monitoring:tasks")).content.decode()
    assert _groups_only_with_their_village(tasks)
    card = client.get(reverse("assistance:contact_card", args=[h.pk])).content.decode()
    assert "住址：金山店镇朝阳村一组12号</p>" in card
    registry_services.update_household(
        actor=None, household=h, address="湖北省大冶市金山店镇朝阳村一组12号"
    )
    card = client.get(reverse("assistance:contact_card", args=[h.pk])).content.decode()
    card = card[card.index('class="fp-card') :]
    assert "住址：湖北省大冶市金山店镇朝阳村一组12号</p>" in card
    assert card.count("朝阳村") == 1  # the address once


def test_the_change_log_shows_chinese_labels_and_values_for_a_case(client_for, users, household):
    case = advance(users, make_case(users, household, days_ago=30))
    body = (
        client_for("county_admin")
        .get(reverse("registry:household_detail", args=[household.pk]))
        .content.decode()
    )
    assert '状态：<span class="text-muted">办理中</span> → 已审定' in body
    assert '当前环节：<span class="text-muted">入户核查</span> → 信息比对' in body
    assert "修改识别案件" in body
    assert "status：" not in body and "current_step" not in body
    assert '监测对象类别：<span class="text-muted">—</span> → 边缘易致贫户' in body
    assert case.status == "approved"


def test_the_change_log_names_lead_sources_in_chinese(client_for, users, household):
    services.create_lead(
        actor=users["village_staff"],
        source="部门筛查预警",
        reported_date=TODAY,
        household=household,
        risks=["因病"],
        origin="exchange.warning:38",
    )
    body = (
        client_for("village_staff")
        .get(reverse("registry:household_detail", args=[household.pk]))
        .content.decode()
    )
    assert '来源记录：<span class="text-muted">—</span> → 部门比对预警 第38号' in body
    assert '线索来源：<span class="text-muted">—</span> → 部门筛查预警' in body
    assert "exchange.warning" not in body
