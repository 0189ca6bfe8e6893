"""`fangpin demo`: a realistic county that obeys the register's own rules, the same for a seed."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from core import idnumber
from core.models import AuditRecord
from regions.models import Region
from registry import rules
from registry.demo import DEMO_PASSWORD, DEMO_USERS
from registry.models import Household, HouseholdEvent, IncomeRecord, Membership, Person
from registry.services import status_of


def _demo(households: int = 300, seed: int = 7, **options: bool) -> dict:
    out = StringIO()
    call_command("demo", households=households, seed=seed, stdout=out, stderr=StringIO(), **options)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def county(db):
    return _demo()


def test_the_demo_builds_a_county_of_towns_villages_and_groups(county):
    assert county["status"] == "created" and county["households"] == 300
    assert 10 <= county["towns"] <= 20
    assert Region.objects.filter(level=1).get().code == "420281000000"
    for town in Region.objects.filter(level=2):
        assert 10 <= town.children.count() <= 25
        assert len(town.code) == 12
    assert Region.objects.filter(level=4).count() == county["groups"] > 0
    assert Household.objects.count() == 300
    assert Household.objects.filter(region__level=4).count() == 300
    assert 2.5 <= county["members"] / 300 <= 3.5


def test_every_id_number_is_valid_unique_and_agrees_with_sex_and_birth(county):
    people = list(Person.objects.values_list("id_number", "sex", "birth_date"))
    assert len(people) == county["persons"]
    assert len({p[0] for p in people}) == len(people)
    for number, sex, birth in people:
        check = idnumber.check(number)
        assert check.ok, (number, check.errors)
        assert (check.sex, check.birth_date) == (sex, birth)
    local = sum(1 for p in people if p[0].startswith("420281"))
    assert local / len(people) > 0.9


def test_every_household_passes_the_status_rules(county):
    today = timezone.localdate()
    for h in Household.objects.all():
        assert rules.check_status(status_of(h), today) == {}, h.number
    assert not Household.objects.filter(category="脱贫不稳定户", is_alleviated=False).exists()
    assert not Household.objects.filter(category="边缘易致贫户", is_alleviated=True).exists()
    counts = Counter(Household.objects.exclude(category="").values_list("category", flat=True))
    assert set(counts) == {"脱贫不稳定户", "边缘易致贫户", "突发严重困难户"}
    # about 3 %, and the demo logins' village has some of its own
    assert 6 <= Household.objects.filter(is_alleviated=True).count() <= 16


def test_each_household_has_one_head_and_consistent_members(county):
    heads = Counter(
        Person.objects.filter(is_member=True, relation="户主").values_list(
            "household_id", flat=True
        )
    )
    assert len(heads) == 300 and set(heads.values()) == {1}
    for h in Household.objects.all():
        members = list(h.persons.filter(is_member=True))
        assert h.member_count == len(members)
        assert h.head_name == next(p.name for p in members if p.relation == "户主")
    assert Membership.objects.count() == Person.objects.count()
    for p in Person.objects.filter(is_member=True, birth_date__isnull=False):
        age = p.age_on(timezone.localdate())
        if age < 16:
            assert p.labour_skill == "无劳动力"
        if age < 6:
            assert p.education == "学龄前儿童"


def test_risks_fit_the_members_and_history_matches_the_status(county):
    for h in Household.objects.exclude(category=""):
        assert 1 <= len(h.risk_list) <= 3
        health = " ".join(h.persons.filter(is_member=True).values_list("health", flat=True))
        if "因病" in h.risk_list:
            assert "长期慢性病" in health or "患有大病" in health
        if "因残" in h.risk_list:
            assert "残疾" in health
        kinds = {e.kind: e for e in h.events.all()}
        start = kinds.get("reidentified") or kinds["identified"]
        assert start.date == h.identified_date
        if h.risk_eliminated:
            assert kinds["eliminated"].date == h.eliminated_date
            assert (h.eliminated_date - h.identified_date).days >= 183
            assert h.elimination_method in ("帮扶消除", "自然消除")
            assert not h.no_labour
        assert IncomeRecord.objects.filter(household=h).exists()
        assert h.per_capita_income is not None
    for h in Household.objects.filter(is_alleviated=True):
        assert h.events.filter(kind="alleviated", date__year=h.alleviated_year).exists()
        assert 2014 <= h.alleviated_year <= 2020
    for record in IncomeRecord.objects.all()[:50]:
        net = (
            record.wage
            + record.business
            + record.property_income
            + record.transfer
            - record.business_cost
        )
        assert record.net_income == net
    assert HouseholdEvent.objects.filter(kind="member_added", reason="出生").exists()


def test_users_of_every_role_can_log_in_with_the_demo_password(county, client):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {u[0] for u in DEMO_USERS}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["county_admin"].can_view_sensitive
    assert users["town_staff"].region != users["town_other"].region
    assert users["village_staff"].region.level == 3
    for username in users:
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.logout()
    summary = AuditRecord.objects.get(object_type="registry.demo")
    assert summary.after is not None and summary.after["households"] == 300


def test_a_second_run_is_refused_and_changes_nothing(county):
    with pytest.raises(CommandError) as exc:
        _demo()
    assert exc.value.returncode == 2
    assert "已有区划数据" in str(exc.value)
    assert Household.objects.count() == 300


def test_a_non_positive_household_count_is_a_usage_error(db):
    with pytest.raises(CommandError) as exc:
        _demo(households=0)
    assert exc.value.returncode == 2 and not Region.objects.exists()


def test_a_county_too_small_for_the_demo_work_gets_its_register_and_accounts(db):
    """The apps' demo work needs ordinary households (30 with seed 3 ran out of them, after the
    county was built): a smaller county (formats.md §3 sets no least `--households`) is built
    without that work, and says so."""
    from registry.management.commands.demo import MIN_HOUSEHOLDS

    made = _demo(households=5, seed=3)
    assert (made["status"], made["households"], made["work"]) == ("created", 5, {})
    assert made["note"] == (
        f"户数少于{MIN_HOUSEHOLDS}，演示县的监测、帮扶等工作没有生成（只生成了区划、户籍和账号）"
    )
    assert Household.objects.count() == 5 and User.objects.filter(username="county_admin").exists()


def test_the_demo_builds_with_the_fewest_households_it_accepts(db):
    from registry.management.commands.demo import MIN_HOUSEHOLDS

    made = _demo(households=MIN_HOUSEHOLDS, seed=1)  # seed 1 needs the most of those tried
    assert made["status"] == "created" and made["households"] == MIN_HOUSEHOLDS
    assert made["work"]["monitoring"]["cases"] > 0


def _fingerprint() -> list:
    return [
        list(Region.objects.order_by("path").values_list("name", "code")),
        list(Household.objects.order_by("number").values_list("number", "head_name", "category")),
        list(Person.objects.order_by("id_number").values_list("id_number", "name", "relation")),
    ]


def _wipe() -> None:
    Person.objects.all().delete()
    Household.objects.all().delete()
    User.objects.all().delete()
    for level in (4, 3, 2, 1):
        Region.objects.filter(level=level).delete()


def test_the_same_seed_builds_the_same_county(db):
    # The register only: the work of the apps is dated from today, not from the seed.
    _demo(households=120, seed=3, register_only=True)
    first = _fingerprint()
    _wipe()
    _demo(households=120, seed=3, register_only=True)
    assert _fingerprint() == first
    _wipe()
    _demo(households=120, seed=4, register_only=True)
    assert _fingerprint() != first
