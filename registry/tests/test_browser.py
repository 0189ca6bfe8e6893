"""A real browser (Playwright driving Debian's Chromium): log in, search, open a household, edit."""

import pytest

from conftest import browser_login
from fangpin.testing import make_household
from registry.models import Person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_village_cadre_finds_a_household_and_records_a_members_illness(
    browser_page, live_server, users, regions
):
    household = make_household(regions["village"], number="420281100201000321")
    make_household(regions["village"], number="420281100201000322")
    head = household.persons.get(relation="户主")
    son = household.persons.get(relation="之子")
    page = browser_page

    browser_login(page, live_server, "village")
    page.goto(live_server.url + "/registry/households/")
    page.fill("input[name=q]", head.name)
    page.click("form[role=search] button")
    page.wait_for_url(lambda url: "q=" in url)
    assert "共 1 户" in page.inner_text("main")

    page.click(f"text={household.number}")
    page.wait_for_url(f"**/registry/households/{household.pk}/")
    assert "家庭成员（3人）" in page.inner_text("main")

    page.click(f"#member-{son.pk} >> text=修改")
    page.check("input[name=health][value=长期慢性病]")
    page.select_option("select[name=labour_skill]", "弱劳动力或半劳动力")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/registry/households/{household.pk}/")

    assert f"已保存成员{son.name}" in page.inner_text("main")
    assert "长期慢性病" in page.inner_text(f"#member-{son.pk}")
    son = Person.objects.get(pk=son.pk)
    assert son.health == "长期慢性病" and son.labour_skill == "弱劳动力或半劳动力"
    assert son.birth_date is not None  # the date input kept the stored birth date
    assert "健康状况" in page.inner_text("main")  # the change appears in 变更记录
