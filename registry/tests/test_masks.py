"""Masks that cannot be undone (issue 17.1): no full birth date beside a masked ID, no full-ID
search for users who may not see full numbers, and every full view logged.

The attack it stops: a town user took each member's 出生日期 from the household page, filled the
two unknown area digits from the county code, and confirmed each guess with the full-ID search —
982 of 986 numbers of their town in 47 s.
"""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse

from core.dates import today
from core.idnumber import check_digit
from core.models import AuditRecord


def _guesses(masked: str, area: str, birth: str) -> list[str]:
    """Every number a 4+4 mask, the county code and a birth date leave (the check digit must
    match the last shown character)."""
    found = []
    for seq in range(1000):
        first17 = f"{area}{birth}{seq:03d}"
        number = first17 + check_digit(first17)
        if number[:4] == masked[:4] and number[-4:] == masked[-4:]:
            found.append(number)
    return found


def test_the_rebuild_attack_finds_nothing(client_for, household):
    client = client_for("town_staff")
    member = household.persons.get(relation="户主")
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    birth = f"{member.birth_date:%Y%m%d}"
    assert member.masked_id() in page
    for shown in (f"{member.birth_date:%Y-%m-%d}", birth, f"{member.birth_date:%Y年%m月}"):
        assert shown not in page
    form = client.get(reverse("registry:member_edit", args=[member.pk])).content.decode()
    assert f"{member.birth_date:%Y-%m-%d}" not in form and member.id_number not in form
    api = client.get(f"/api/v1/households/{household.pk}").json()
    assert all(m["birth_date"] is None and m["age"] is not None for m in api["members"])
    # With the birth date the guess is a single number; without it the search confirms nothing.
    [guess] = _guesses(member.masked_id(), member.id_number[:6], birth)
    found = client.get(reverse("registry:household_list"), {"q": guess})
    assert found.context["page"].paginator.count == 0
    assert "按证件号码查询仅限可查看完整证件号码的用户" in found.content.decode()
    api_found = client.get("/api/v1/households", {"q": guess}).json()
    assert api_found["count"] == 0


def test_the_page_shows_each_members_age(client_for, household):
    page = client_for("village_staff").get(
        reverse("registry:household_detail", args=[household.pk])
    )
    body = page.content.decode()
    assert "<th>年龄</th>" in body and "<th>出生日期</th>" not in body
    for member in household.persons.all():
        assert f"<td>{member.age_on(today())}岁</td>" in body


def test_a_user_who_may_see_full_numbers_searches_by_one_and_it_is_logged(
    client_for, users, household
):
    member = household.persons.get(relation="户主")
    found = client_for("county_admin").get(
        reverse("registry:household_list"), {"q": member.id_number}
    )
    assert [h.pk for h in found.context["page"].object_list] == [household.pk]
    record = AuditRecord.objects.get(action="search")
    assert record.actor == users["county_admin"] and record.household_id == household.pk
    assert member.id_number not in record.object_repr + record.note
    assert member.masked_id() in record.object_repr


def test_a_masked_edit_form_keeps_the_birth_date_and_shows_the_year(client_for, household):
    member = household.persons.get(relation="配偶")
    client = client_for("village_staff")
    url = reverse("registry:member_edit", args=[member.pk])
    page = client.get(url)
    body = page.content.decode()
    assert f'placeholder="{member.birth_date:%Y}年"' in body and "只显示出生年份" in body
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data["work_place"] = "武汉"
    response = client.post(url, data)
    assert response.status_code == 302
    before = member.birth_date
    member.refresh_from_db()
    assert member.birth_date == before and member.work_place == "武汉"


def test_full_values_in_an_edit_form_are_logged(client_for, users, household):
    member = household.persons.get(relation="户主")
    client = client_for("county_admin")
    body = client.get(reverse("registry:member_edit", args=[member.pk])).content.decode()
    assert member.id_number in body
    record = AuditRecord.objects.get(action="view_sensitive")
    assert record.actor == users["county_admin"] and record.object_id == str(member.pk)
    assert "修改表单" in record.note


def test_an_api_list_with_full_values_is_logged(client_for, users, household):
    client_for("county_admin").get("/api/v1/households")
    record = AuditRecord.objects.get(action="view_sensitive")
    assert record.actor == users["county_admin"] and "接口列表" in record.note
    client_for("town_staff").get("/api/v1/households")
    assert AuditRecord.objects.filter(action="view_sensitive").count() == 1  # masked: no read


def test_the_change_log_hides_birth_dates(client_for, users, household):
    from registry import services

    member = household.persons.get(relation="之子")
    services.update_person(
        actor=users["county_admin"], person=member, work_place="黄石", phone="13700000000"
    )
    page = (
        client_for("town_staff")
        .get(reverse("registry:household_detail", args=[household.pk]))
        .content.decode()
    )
    assert f"{member.birth_date:%Y-%m-%d}" not in page
    assert json.dumps(str(member.birth_date)) not in page


def _newborn(users, household):
    """A member added as born (出生) on her birth date, as the register records a birth."""
    from core.idnumber import make_valid
    from registry import services

    born = dt.date(2019, 4, 23)
    return services.add_person(
        actor=users["county_admin"],
        household=household,
        reason="出生",
        date=born,
        name="新生儿",
        id_number=make_valid(f"420281{born:%Y%m%d}013"),
        relation="之孙子",
        sex="男",
    )


def test_a_birth_shows_its_year_only_wherever_the_household_s_history_is_shown(
    client_for, users, household
):
    """The event of a 出生 is dated by the birth: beside the member's masked number (and age) its
    day would rebuild the number as the birth date would (issue 17)."""
    child = _newborn(users, household)
    shown = (f"{child.birth_date:%Y-%m-%d}", f"{child.birth_date:%Y%m%d}")
    client = client_for("town_staff")
    for url in (
        reverse("registry:household_detail", args=[household.pk]),
        reverse("monitoring:household", args=[household.pk]),
        reverse("stats:household_file", args=[household.pk]),
    ):
        page = client.get(url).content.decode()
        assert "2019年" in page and "出生" in page, url
        assert not [s for s in shown if s in page], url


def test_a_lead_for_a_typed_number_says_it_is_registered_only_to_who_may_search_by_it(
    client_for, users, household
):
    """Otherwise a lead is a search by a full number: type a guess, read whether it is on the
    register."""
    from monitoring import services

    member = household.persons.get(relation="户主")
    lead = services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=today(),
        region=household.region,
        person_name=member.name,
        id_number=member.id_number,
        description="看病花费大",
    )
    url = reverse("monitoring:lead_detail", args=[lead.pk])
    for who in ("village_staff", "grid_member", "town_staff", "auditor"):
        page = client_for(who).get(url).content.decode()
        assert "该证件号码已登记在" not in page and member.id_number not in page, who
    assert "该证件号码已登记在" in client_for("county_admin").get(url).content.decode()


def test_a_lead_merged_by_a_typed_number_is_logged_as_a_search(users, household):
    """The merge says the number is an open lead's: a guess confirmed, so logged as the register
    logs a number found taken."""
    from monitoring import services

    number = "420281197503080022"
    first = services.create_lead(
        actor=users["village_staff"],
        source="农户自主申报",
        reported_date=today(),
        region=household.region,
        person_name="外来人",
        id_number=number,
        description="看病花费大",
    )
    assert not AuditRecord.objects.filter(action="search").exists()
    again = services.create_lead(
        actor=users["grid_member"],
        source="基层干部排查",
        reported_date=today(),
        region=household.region,
        person_name="外来人",
        id_number=number,
        description="又一次",
    )
    assert again.merged_into == first
    record = AuditRecord.objects.get(action="search")
    assert record.actor == users["grid_member"] and record.object_id == str(first.pk)
    assert number not in record.object_repr + record.note


def test_numbers_in_a_change_log_s_texts_are_masked(client_for, users, household):
    """A visit's notes, a lead's 困难情况, an evidence file's name: the household's 变更记录 shows
    them with their numbers masked (and a visit's record, which counts its photos, shows)."""
    from assistance import services as assistance
    from monitoring import services

    member = household.persons.get(relation="户主")
    text = f"户主证件号码{member.id_number}，电话13911112222"
    assistance.record_visit(
        actor=users["county_admin"], household=household, date=today(), notes=text
    )
    services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=today(),
        household=household,
        description=text,
    )
    for who in ("town_staff", "county_admin"):
        response = client_for(who).get(reverse("registry:household_detail", args=[household.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert member.id_number not in page and "13911112222" not in page, who
        assert f"户主证件号码{member.masked_id()}，电话139****2222" in page, who
        assert "走访照片" in page


def test_a_reads_log_shows_an_export_s_search_number_masked(client_for, users, household):
    """查阅记录 lists a county admin's export of the households a full number finds: the auditor
    (who may not see full numbers) reads which number masked."""
    member = household.persons.get(relation="户主")
    client_for("county_admin").get(reverse("imports:export"), {"q": member.id_number})
    record = AuditRecord.objects.get(action="export")
    assert member.id_number not in record.note and member.masked_id() in record.note
    page = client_for("auditor").get(reverse("accounts:read_audit")).content.decode()
    assert member.id_number not in page and member.masked_id() in page


def test_a_reads_log_names_an_export_s_filters_as_the_page_does(client_for, household):
    """查阅记录 says which households were exported in the list page's words (区划=…，户类型=…，
    排序=…), not as raw parameters (region=7，sort=-number); a value the page would not apply
    is left out."""
    region = household.region
    client_for("county_admin").get(
        reverse("imports:export"),
        {"region": region.pk, "household_type": "脱贫户", "sort": "-number", "risk": "bogus"},
    )
    note = AuditRecord.objects.get(action="export").note
    assert note.startswith("网页导出 ")
    assert f"区划={region.name}" in note and "户类型=脱贫户" in note
    assert "排序=户编号（倒序）" in note
    assert "region=" not in note and "sort=" not in note and "bogus" not in note
