"""The lead inbox: scoping, filters, duplicates, dismissal, evidence files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditRecord
from fangpin.testing import id_number
from monitoring import services
from monitoring.models import Attachment, Lead
from monitoring.tests.helpers import TODAY, pdf, png

pytestmark = pytest.mark.django_db
PNG = png().read()


def _lead(users, household, **kw):
    kw.setdefault("risks", ["因病"])
    kw.setdefault("reported_date", TODAY)
    return services.create_lead(
        actor=users["village_staff"], source="基层干部排查", household=household, **kw
    )


def test_a_cadre_registers_a_person_not_in_the_register(client_for, regions):
    client = client_for("village_staff")
    number = id_number()
    response = client.post(
        reverse("monitoring:lead_new"),
        {
            "source": "基层干部排查",
            "village": regions["village"].pk,
            "person_name": "王五",
            "id_number": number,
            "risks": ["因意外事故"],
            "reported_date": TODAY.isoformat(),
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.household is None
    assert lead.id_number == number and lead.region == regions["village"]


def test_the_household_picker_only_accepts_visible_households(client_for, other_household):
    client = client_for("village_staff")
    response = client.post(
        reverse("monitoring:lead_new"),
        {
            "source": "基层干部排查",
            "household": other_household.number,
            "reported_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "该户不在您的管辖范围" in response.content.decode()


def test_a_second_lead_for_a_household_in_progress_is_merged(users, household):
    first = _lead(users, household)
    second = _lead(users, household, risks=["因学"])
    assert second.status == Lead.Status.MERGED and second.merged_into == first
    services.open_case(actor=users["village_staff"], lead=first)
    third = _lead(users, household)
    assert third.merged_into == first


def test_leads_of_another_town_answer_404_and_are_not_listed(
    client_for, users, household, other_household
):
    lead = _lead(users, household)
    other = client_for("other_town")
    assert other.get(reverse("monitoring:lead_detail", args=[lead.pk])).status_code == 404
    assert other.get(reverse("monitoring:index")).context["page"].paginator.count == 0
    assert (
        other.post(
            reverse("monitoring:lead_action", args=[lead.pk, "dismiss"]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_the_inbox_filters_by_source_status_and_date(client_for, users, household, regions):
    _lead(users, household)
    services.create_lead(
        actor=None,
        source="农户自主申报",
        region=regions["village2"],
        reported_date=TODAY - dt.timedelta(days=30),
        person_name="赵",
        risks=["因病"],
    )
    client = client_for("town_staff")
    page = client.get(reverse("monitoring:index") + "?source=农户自主申报").context["page"]
    assert [lead.person_name for lead in page.object_list] == ["赵"]
    since = (TODAY - dt.timedelta(days=1)).isoformat()
    page = client.get(reverse("monitoring:index") + f"?date_from={since}").context["page"]
    assert page.paginator.count == 1
    village = regions["village2"].pk
    page = client.get(reverse("monitoring:index") + f"?village={village}").context["page"]
    assert page.paginator.count == 1


def test_the_inbox_runs_a_fixed_number_of_queries(
    client_for, users, household, django_assert_max_num_queries
):
    for _ in range(5):
        services.create_lead(
            actor=None,
            source="集中排查",
            region=household.region,
            reported_date=TODAY,
            person_name="甲",
            risks=["因病"],
        )
    client = client_for("county_admin")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("monitoring:index")).status_code == 200


def test_dismissing_needs_a_reason(client_for, users, household):
    lead = _lead(users, household)
    client = client_for("village_staff")
    url = reverse("monitoring:lead_action", args=[lead.pk, "dismiss"])
    client.post(url, {"reason": ""})
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    client.post(url, {"reason": "经核实收入稳定"})
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISMISSED and lead.dismiss_reason == "经核实收入稳定"


def test_auditors_cannot_dismiss(client_for, users, household):
    lead = _lead(users, household)
    url = reverse("monitoring:lead_action", args=[lead.pk, "dismiss"])
    assert client_for("auditor").post(url, {"reason": "x"}).status_code == 403


def test_evidence_files_are_checked_stored_privately_and_served_by_region(
    client, users, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    lead = _lead(users, household)
    url = reverse("monitoring:lead_action", args=[lead.pk, "upload"])
    client.force_login(users["village_staff"])
    client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ...")})
    client.post(url, {"file": SimpleUploadedFile("fake.png", b"not a png")})
    settings.FANGPIN_ATTACHMENT_MAX_MB = 0
    client.post(url, {"file": SimpleUploadedFile("big.png", PNG)})
    assert not Attachment.objects.exists()
    settings.FANGPIN_ATTACHMENT_MAX_MB = 10
    client.post(url, {"file": SimpleUploadedFile("住院证明.png", PNG)})
    row = Attachment.objects.get()
    assert row.name == "住院证明.png" and row.file.name.startswith("leads/")
    assert (tmp_path / row.file.name).exists()
    download = client.get(reverse("monitoring:attachment", args=[row.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    client.force_login(users["other_town"])
    assert client.get(reverse("monitoring:attachment", args=[row.pk])).status_code == 404


def test_a_person_not_in_the_register_reported_twice_is_one_lead(users, regions):
    number = id_number()
    first = services.create_lead(
        actor=None,
        source="农户自主申报",
        region=regions["village"],
        reported_date=TODAY,
        person_name="甲",
        id_number=number,
        description="户主突发疾病",
    )
    again = services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        region=regions["village"],
        reported_date=TODAY,
        person_name="甲",
        id_number=number,
        description="户主突发疾病",
    )
    assert again.status == Lead.Status.MERGED and again.merged_into == first


def test_a_lead_found_in_the_future_is_refused_with_a_message(client_for, household, users):
    response = client_for("village_staff").post(
        reverse("monitoring:lead_new"),
        {
            "source": "基层干部排查",
            "household": household.number,
            "risks": ["因病"],
            "reported_date": (TODAY + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "发现日期：发现日期不能晚于今天" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        _lead(users, household, reported_date=TODAY + dt.timedelta(days=3))
    assert "发现日期不能晚于今天" in str(refused.value)


def test_a_lead_with_no_risk_and_no_description_is_refused(client_for, household, users):
    response = client_for("grid_member").post(
        reverse("monitoring:lead_new"),
        {"source": "基层干部排查", "household": household.number, "reported_date": TODAY},
    )
    assert "请至少选择一项反映风险，或填写困难情况" in response.content.decode()
    assert not Lead.objects.exists()
    with pytest.raises(ValidationError):
        _lead(users, household, risks=[])
    assert _lead(users, household, risks=[], description="房屋漏雨").description == "房屋漏雨"


def test_a_lead_phone_is_validated_like_every_other_phone(client_for, regions):
    data = {
        "source": "基层干部排查",
        "village": regions["village"].pk,
        "person_name": "王五",
        "risks": ["因病"],
        "reported_date": TODAY.isoformat(),
        "phone": "12345",
    }
    response = client_for("village_staff").post(reverse("monitoring:lead_new"), data)
    assert "联系电话：“12345”应为11位手机号或带区号的固定电话" in response.content.decode()
    assert not Lead.objects.exists()


def test_merged_leads_carry_their_risks_and_descriptions_into_the_case(users, household):
    first = _lead(users, household, risks=["因病"], description="户主住院")
    _lead(users, household, risks=["因学", "因病"], description="孩子上高中学费困难")
    case = services.open_case(actor=users["village_staff"], lead=first)
    assert case.risk_list == ["因病", "因学"]
    assert "户主住院" in case.description and "学费困难" in case.description
    # A lead arriving while the case is open adds to it too.
    late = _lead(users, household, risks=["因残"], description="儿子因事故致残")
    assert late.merged_into == first
    case.refresh_from_db()
    assert case.risk_list == ["因病", "因学", "因残"] and "致残" in case.description
    assert case.logs.filter(action="合并线索").exists()


def test_lead_origins_are_named_in_chinese(client_for, users, household):
    lead = _lead(users, household, origin="exchange.warning:38")
    body = client_for("village_staff").get(reverse("monitoring:lead_detail", args=[lead.pk]))
    text = body.content.decode()
    assert "部门比对预警 第38号" in text and "exchange.warning" not in text


def test_evidence_must_be_a_real_photo_or_pdf(users, household):
    lead = _lead(users, household)
    upload = SimpleUploadedFile("表.docx", b"PK\x03\x04")
    with pytest.raises(ValidationError, match="只能上传照片"):
        services.add_attachment(actor=users["village_staff"], upload=upload, lead=lead)
    with pytest.raises(ValidationError, match=r"文件“a\.pdf”不是有效的PDF文件"):
        services.add_attachment(
            actor=users["village_staff"], upload=SimpleUploadedFile("a.pdf", b"hello"), lead=lead
        )
    assert services.add_attachment(actor=users["village_staff"], upload=pdf(), lead=lead).pk


def test_a_broken_picture_is_refused_and_not_kept(client_for, users, household, settings, tmp_path):
    from assistance.tests.test_photo_bomb import broken_png, cut_off_jpeg

    settings.MEDIA_ROOT = tmp_path
    lead = _lead(users, household)
    url = reverse("monitoring:lead_action", args=[lead.pk, "upload"])
    upload = SimpleUploadedFile("承诺书.jpg", cut_off_jpeg())
    response = client_for("village_staff").post(url, {"file": upload}, follow=True)
    assert response.status_code == 200
    assert "文件“承诺书.jpg”不是有效的图片" in response.content.decode()
    upload = SimpleUploadedFile("核查表.png", broken_png())  # sound checksums, broken data
    response = client_for("village_staff").post(url, {"file": upload}, follow=True)
    assert "文件“核查表.png”不是有效的图片" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_cut_off_or_false_pdf_is_refused_on_its_field_and_not_kept(
    client_for, users, household, settings, tmp_path
):
    from core.tests.test_uploads import cut_off_pdf

    settings.MEDIA_ROOT = tmp_path
    lead = _lead(users, household)
    url = reverse("monitoring:lead_action", args=[lead.pk, "upload"])
    upload = SimpleUploadedFile("低保证明.pdf", cut_off_pdf())
    response = client_for("village_staff").post(url, {"file": upload}, follow=True)
    assert "文件“低保证明.pdf”不是完整的PDF文件（可能上传中断），请重新上传" in (
        response.content.decode()
    )
    with pytest.raises(ValidationError) as refused:
        services.add_attachment(
            actor=users["village_staff"], upload=SimpleUploadedFile("照片.pdf", PNG), lead=lead
        )
    assert refused.value.message_dict == {"file": ["文件“照片.pdf”不是有效的PDF文件"]}
    assert not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_huge_image_is_refused_before_its_pixels_are_decoded(users, household, settings):
    settings.FANGPIN_IMAGE_MAX_PIXELS = 100
    lead = _lead(users, household)
    with pytest.raises(ValidationError, match="20×10像素，超过"):
        services.add_attachment(actor=users["village_staff"], upload=png(size=(20, 10)), lead=lead)
    assert not Attachment.objects.exists()


def test_the_case_clock_starts_from_the_earliest_merged_lead(users, household):
    later = _lead(users, household, reported_date=TODAY - dt.timedelta(days=3))
    earlier = _lead(users, household, reported_date=TODAY - dt.timedelta(days=12))
    assert earlier.merged_into == later
    case = services.open_case(actor=users["village_staff"], lead=later)
    assert case.start_date == TODAY - dt.timedelta(days=12)


def test_an_earlier_lead_merged_into_an_open_case_moves_its_start(client_for, users, household):
    from monitoring.calendar import Calendar, due_date

    first = _lead(users, household, reported_date=TODAY - dt.timedelta(days=1))
    case = services.open_case(actor=users["village_staff"], lead=first)
    assert case.alert == ""
    found = TODAY - dt.timedelta(days=40)
    _lead(users, household, risks=["因学"], reported_date=found)
    case.refresh_from_db()
    visit = case.steps.get(code="visit")
    expected = due_date(found, "visit", services.deadlines_of(case), Calendar())
    assert case.start_date == found and visit.due_date == case.due_date == expected
    assert case.alert == visit.alert == "red"
    note = f"起算日期由{TODAY - dt.timedelta(days=1):%Y-%m-%d}提前到{found:%Y-%m-%d}"
    assert case.logs.filter(action="合并线索", note__contains=note).exists()
    page = client_for("village_staff").get(reverse("monitoring:case_detail", args=[case.pk]))
    assert note in page.content.decode()
    record = AuditRecord.objects.get(object_type="monitoring.case", note__startswith="合并线索")
    before, after = record.before or {}, record.after or {}
    assert before["start_date"] != after["start_date"] == found.isoformat()
