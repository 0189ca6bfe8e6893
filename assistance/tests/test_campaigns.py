"""集中排查: questionnaire, assignment by village, answers that create leads, coverage, scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assistance import services
from assistance.models import Campaign, Screening, Visit
from assistance.tests.conftest import TODAY, monitored
from fangpin.testing import make_household
from monitoring.models import Lead

pytestmark = pytest.mark.django_db


def campaign(regions: dict, users: dict) -> Campaign:
    return services.create_campaign(
        actor=users["town_staff"],
        name="2026年秋季集中排查",
        start_date=TODAY - dt.timedelta(days=5),
        end_date=TODAY + dt.timedelta(days=25),
        regions=[regions["town"]],
    )


def answer_all(client: Any, c: Campaign, s: Screening, risky: dict[str, str] | None = None) -> Any:
    """Post every section; answers say no risk except those in `risky`."""
    risky = risky or {}
    response = None
    for i, section in enumerate(c.sections):
        data = {}
        for q in section["questions"]:
            safe = next(o for o in q["options"] if o != q["risk_answer"])
            data[q["key"]] = risky.get(q["key"], safe)
        response = client.post(f"/assistance/campaigns/{c.pk}/households/{s.pk}/{i}/", data)
        assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_the_default_questionnaire_covers_the_policy_items(regions: dict, users: dict) -> None:
    c = campaign(regions, users)
    titles = " ".join(s["title"] for s in c.sections)
    for word in ("两不愁", "义务教育", "基本医疗", "住房安全", "饮水安全", "收入"):
        assert word in titles


def test_assignment_by_village_takes_key_households_or_all(
    client_for: Any, regions: dict, users: dict
) -> None:
    c = campaign(regions, users)
    monitored(regions["village"], ["因病"])
    make_household(regions["group"], is_alleviated=True)
    make_household(regions["village"])
    client = client_for("town_staff")
    url = f"/assistance/campaigns/{c.pk}/assign/"
    key = {"village": regions["village"].pk, "scope": "key", "cadre": users["grid_member"].pk}
    assert client.post(url, key).status_code == 302
    assert Screening.objects.filter(campaign=c).count() == 2
    assert client.post(url, {**key, "scope": "all"}).status_code == 302
    assert Screening.objects.filter(campaign=c, cadre=users["grid_member"]).count() == 3
    assert set(Screening.objects.values_list("village_id", flat=True)) == {regions["village"].pk}


def test_a_village_outside_the_campaign_cannot_be_assigned(regions: dict, users: dict) -> None:
    c = campaign(regions, users)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不在本次排查范围内"):
        services.assign_screenings(
            actor=users["county_admin"], campaign=c, village=regions["other_village"]
        )


def test_a_risky_answer_creates_a_lead_and_a_visit(
    client_for: Any, regions: dict, users: dict
) -> None:
    c = campaign(regions, users)
    h = monitored(regions["village"], ["因病"])
    services.assign_screenings(
        actor=users["town_staff"],
        campaign=c,
        village=regions["village"],
        cadre=users["grid_member"],
    )
    s = Screening.objects.get(household=h)
    answer_all(client_for("grid_member"), c, s, {"water": "是", "uninsured": "是"})
    s.refresh_from_db()
    assert s.done and s.done_date == TODAY and s.risks == "因病、因安全饮水"
    lead = Lead.objects.get()
    assert s.lead == lead and lead.household == h and lead.source == "集中排查"
    assert lead.origin == f"assistance.screening:{s.pk}" and "饮水" in lead.description
    assert Visit.objects.get(household=h).kind == "集中排查"
    answer_all(client_for("grid_member"), c, s, {"water": "是", "uninsured": "是"})
    assert Visit.objects.count() == 1 and Lead.objects.count() == 1


def test_answers_without_risk_create_no_lead_and_missing_answers_are_named(
    client_for: Any, regions: dict, users: dict
) -> None:
    c = campaign(regions, users)
    h = monitored(regions["village"], [])
    services.assign_screenings(actor=users["town_staff"], campaign=c, village=regions["village"])
    s = Screening.objects.get(household=h)
    client = client_for("grid_member")
    missing = client.post(f"/assistance/campaigns/{c.pk}/households/{s.pk}/0/", {"food": "是"})
    assert missing.status_code == 200
    assert "请回答“一年四季有应季衣物和被褥？”" in missing.content.decode()
    answer_all(client, c, s)
    s.refresh_from_db()
    assert s.done and s.lead is None and not Lead.objects.exists()


def test_progress_counts_coverage_by_village_and_cadre(
    client_for: Any, regions: dict, users: dict, django_assert_max_num_queries: Any
) -> None:
    c = campaign(regions, users)
    for _ in range(3):
        make_household(regions["village"], is_alleviated=True, members=2)
    make_household(regions["village2"], is_alleviated=True, members=4)
    services.assign_screenings(
        actor=users["town_staff"],
        campaign=c,
        village=regions["village"],
        cadre=users["grid_member"],
    )
    services.assign_screenings(actor=users["town_staff"], campaign=c, village=regions["village2"])
    rows = list(Screening.objects.filter(village=regions["village"]))
    Screening.objects.filter(pk=rows[0].pk).update(done=True)
    lead_household = rows[1].household
    from registry.services import update_household

    update_household(
        source="导入",
        actor=None,
        household=lead_household,
        category="脱贫不稳定户",
        identified_date=TODAY,
        risk_list=["因病"],
    )
    lead = Lead.objects.create(
        region=regions["village"], household=lead_household, source="集中排查", reported_date=TODAY
    )
    Screening.objects.filter(pk=rows[1].pk).update(done=True, lead=lead)
    p = services.campaign_progress(c, Screening.objects.all())
    villages = {r["village__name"]: (r["assigned"], r["done"], r["pct"]) for r in p["by_village"]}
    assert villages == {"朝阳村": (3, 2, 66.7), "仕秦村": (1, 0, 0)}
    cadres = {r["cadre_name"]: (r["assigned"], r["done"]) for r in p["by_cadre"]}
    assert cadres == {"grid": (3, 2), "未分配": (1, 0)}
    assert (p["villages"], p["assigned"], p["done"], p["persons"], p["leads"]) == (2, 4, 2, 10, 1)
    assert (p["identified_households"], p["identified_persons"]) == (1, 2)
    client = client_for("town_staff")
    with django_assert_max_num_queries(13):
        page = client.get(f"/assistance/campaigns/{c.pk}/")
    text = page.content.decode()
    assert "2个村4户10人进行了全面摸排" in text and "识别防止返贫致贫对象1户2人" in text
    village_view = services.campaign_progress(
        c, Screening.objects.visible_to(users["village_staff"])
    )
    assert village_view["assigned"] == 3


def test_campaigns_of_another_town_answer_404(client_for: Any, regions: dict, users: dict) -> None:
    c = campaign(regions, users)
    h = make_household(regions["village"], is_alleviated=True)
    services.assign_screenings(actor=users["town_staff"], campaign=c, village=regions["village"])
    s = Screening.objects.get(household=h)
    client = client_for("other_town")
    for url in ("", "households/", f"households/{s.pk}/0/", "assign/", "questionnaire/"):
        assert client.get(f"/assistance/campaigns/{c.pk}/{url}").status_code == 404
    assert c.name not in client.get("/assistance/campaigns/").content.decode()
    # A village user sees the town's campaign (it covers their village).
    assert client_for("grid_member").get(f"/assistance/campaigns/{c.pk}/").status_code == 200


def _rows(questions: list[dict[str, str]]) -> dict[str, Any]:
    """The editor's POST: one row per question, and a blank row (as the page leaves)."""
    data: dict[str, Any] = {
        "q-TOTAL_FORMS": str(len(questions) + 1),
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate([*questions, {}]):
        data |= {f"q-{i}-answer_type": "yesno"} | {f"q-{i}-{k}": v for k, v in q.items()}
    return data


def test_admins_edit_the_questionnaire_through_a_form_without_json(
    client_for: Any, regions: dict, users: dict
) -> None:
    c = campaign(regions, users)
    client = client_for("town_staff")
    url = f"/assistance/campaigns/{c.pk}/questionnaire/"
    page = client.get(url).content.decode()
    assert "JSON" not in page and "答案类型" in page and "产生线索的答案" in page
    assert "米面粮油能满足基本生活需要" in page  # the stored questions are the rows
    nothing = client.post(url, _rows([]))
    assert "问卷至少需要一个问题" in nothing.content.decode()
    few = client.post(
        url,
        _rows(
            [{"section": "住房", "text": "房屋类型？", "answer_type": "choices", "options": "砖混"}]
        ),
    )
    assert "自定义选项至少需要两个" in few.content.decode()
    wrong = client.post(
        url,
        _rows(
            [
                {
                    "section": "住房",
                    "text": "住房等级？",
                    "answer_type": "choices",
                    "options": "A级、B级、C级、D级",
                    "risk": "因安全住房",
                    "risk_answer": "E级",
                }
            ]
        ),
    )
    assert "产生线索的答案应为选项之一：A级、B级、C级、D级" in wrong.content.decode()
    good = _rows(
        [
            {
                "section": "住房安全",
                "text": "住房等级为C级或D级？",
                "risk": "因安全住房",
                "risk_answer": "是",
            },
            {"section": "饮水安全", "text": "有自来水？", "answer_type": "havenot"},
            {
                "section": "住房安全",
                "text": "房屋结构？",
                "answer_type": "choices",
                "options": "砖混，土木，钢混",
            },
        ]
    )
    assert client.post(url, good).status_code == 302
    c.refresh_from_db()
    assert [s["title"] for s in c.sections] == ["住房安全", "饮水安全"]
    housing = c.sections[0]["questions"]
    assert housing[0]["risk"] == "因安全住房" and housing[0]["risk_answer"] == "是"
    assert housing[1]["options"] == ["砖混", "土木", "钢混"] and "risk" not in housing[1]
    assert c.sections[1]["questions"][0]["options"] == ["有", "无"]
    assert len({q["key"] for s in c.sections for q in s["questions"]}) == 3
    assert client_for("grid_member").post(url, good).status_code == 403


def test_a_questionnaire_keeps_a_risk_retired_since_but_no_other_takes_it(
    regions: dict, users: dict
) -> None:
    """A risk added by the office, asked about, then retired: the campaign's questionnaire can
    still be edited with it; a new questionnaire may not choose it."""
    from core import services as code_tables

    admin = users["county_admin"]
    code_tables.add_value(actor=admin, table="risk", value="因债务")
    c = campaign(regions, users)
    questionnaire = c.questionnaire
    question = {
        "key": "debt",
        "text": "因债务导致生活困难？",
        "options": ["是", "否"],
        "risk": "因债务",
        "risk_answer": "是",
    }
    questionnaire["sections"][0]["questions"].append(question)
    services.update_questionnaire(actor=admin, campaign=c, questionnaire=questionnaire)
    code_tables.retire_value(actor=admin, table="risk", value="因债务")

    question["text"] = "因债务导致生活困难吗？"
    services.update_questionnaire(actor=admin, campaign=c, questionnaire=questionnaire)
    c.refresh_from_db()
    assert c.questionnaire["sections"][0]["questions"][-1]["text"] == "因债务导致生活困难吗？"
    with pytest.raises(ValidationError) as refused:
        services.validate_questionnaire(questionnaire)
    assert "风险“因债务”不在风险类型代码表中" in str(refused.value)
