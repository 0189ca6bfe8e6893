"""销号 as policy rule 38, through HTTP as each role: a measure is completed by its region, the
problem is 销号 by a reviewer of the level above who completed none of its measures, only when
every measure is done and its linked rule has no open item in its scope; reopening is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from core.models import AuditRecord
from duty.models import Problem, RectificationRow, Review, Status
from duty.tests.helpers import load, measure, member
from exchange import services as exchange_services
from exchange.models import Item

ROLES = ["county_admin", "auditor", "town_staff", "village_staff", "grid_member", "other_town"]


@pytest.fixture
def problem(users: dict[str, Any], tmp_path: Path) -> Problem:
    """A village problem of 朝阳村 with two measures."""
    result = load(
        "rectification", [measure("P1", 1), measure("P1", 2)], tmp_path, users["county_admin"]
    )
    assert result["status"] == "imported", result
    return Problem.objects.get(number="P1")


def _complete(client: Any, m: RectificationRow, note: str = "已落实") -> Any:
    return client.post(reverse("duty:measure_action", args=[m.pk, "complete"]), {"note": note})


def _close(client: Any, problem: Problem, note: str = "经核查已整改到位") -> Any:
    return client.post(
        reverse("duty:review", args=[problem.pk]), {"decision": "销号", "note": note}, follow=True
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("county_admin", 302),
        ("auditor", 403),
        ("town_staff", 302),
        ("village_staff", 302),
        ("grid_member", 403),
        ("other_town", 404),
    ],
)
def test_a_measure_is_completed_by_the_staff_of_its_region(
    problem: Problem, client_for: Any, users: dict[str, Any], role: str, status: int
) -> None:
    m = problem.measures.get(measure_no=1)
    response = _complete(client_for(role), m)
    assert response.status_code == status
    m.refresh_from_db()
    assert m.status == (Status.DONE if status == 302 else Status.OPEN)
    if status == 302:
        assert m.completed_by == users[role]
        assert m.progress == "已落实" and m.notes.count() == 1


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("county_admin", "closed"),
        ("town_staff", "closed"),
        ("auditor", 403),
        ("village_staff", 403),
        ("grid_member", 403),
        ("other_town", 404),
    ],
)
def test_the_level_above_closes_a_problem_whose_measures_are_done(
    problem: Problem, client_for: Any, users: dict[str, Any], role: str, outcome: Any
) -> None:
    for m in problem.measures.all():
        assert _complete(client_for("village_staff"), m).status_code == 302
    problem.refresh_from_db()
    assert problem.status == Status.DONE
    response = _close(client_for(role), problem)
    problem.refresh_from_db()
    if outcome == "closed":
        assert response.status_code == 200 and "已销号" in response.content.decode()
        assert problem.status == Status.CLOSED and problem.closed_by == users[role]
        assert problem.closed_via == "review"
        assert set(problem.measures.values_list("status", flat=True)) == {Status.CLOSED}
        review = Review.objects.get(problem=problem)
        assert (review.action, review.actor, review.note) == (
            "销号",
            users[role],
            "经核查已整改到位",
        )
        assert AuditRecord.objects.filter(
            object_type="duty.problem", object_id=str(problem.pk), note__contains="审核销号"
        ).exists()
    else:
        assert response.status_code == outcome
        assert problem.status == Status.DONE and not problem.reviews.exists()


def test_the_user_who_completed_a_measure_cannot_close_its_problem(
    problem: Problem, client_for: Any, users: dict[str, Any]
) -> None:
    first, second = problem.measures.order_by("measure_no")
    _complete(client_for("village_staff"), first)
    _complete(client_for("town_staff"), second)  # the town clerk did a measure himself
    response = _close(client_for("town_staff"), problem)
    assert response.status_code == 403
    assert "不能由本人审核销号" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.DONE
    page = client_for("town_staff").get(reverse("duty:problem", args=[problem.pk]))
    assert "须由其他人审核" in page.content.decode() and not page.context["can_review"]
    assert _close(client_for("county_admin"), problem).status_code == 200
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.closed_by == users["county_admin"]


def test_a_problem_is_not_closed_while_a_measure_is_open_nor_by_its_own_level(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    load(
        "rectification",
        [measure("T1", 1, 行政村=""), measure("T1", 2, 行政村="")],
        tmp_path,
        users["county_admin"],
    )
    town_problem = Problem.objects.get(number="T1")
    first = town_problem.measures.get(measure_no=1)
    assert _complete(client_for("village_staff"), first).status_code == 404  # above them
    _complete(client_for("town_staff"), first)
    response = _close(client_for("county_admin"), town_problem)
    assert "还有1条整改措施未完成" in response.content.decode()
    _complete(client_for("town_staff"), town_problem.measures.get(measure_no=2))
    own_level = client_for("town_staff")
    town_problem.refresh_from_db()
    response = own_level.post(
        reverse("duty:review", args=[town_problem.pk]), {"decision": "销号", "note": "好"}
    )
    assert response.status_code == 403  # a town does not close its own problem
    assert "上一级" in response.content.decode()


def test_a_returned_problem_goes_back_to_work_and_a_closed_one_can_be_reopened(
    problem: Problem, client_for: Any, users: dict[str, Any]
) -> None:
    for m in problem.measures.all():
        _complete(client_for("village_staff"), m)
    back = client_for("town_staff").post(
        reverse("duty:review", args=[problem.pk]), {"decision": "退回", "note": "佐证不足"}
    )
    assert back.status_code == 302
    assert set(problem.measures.values_list("status", flat=True)) == {Status.OPEN}
    for m in problem.measures.all():
        _complete(client_for("village_staff"), m)
    _close(client_for("town_staff"), problem)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    url = reverse("duty:reopen", args=[problem.pk])
    assert client_for("village_staff").post(url, {"reason": "复查发现"}).status_code == 403
    response = client_for("county_admin").post(url, {"reason": "市级复查发现问题反弹"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.closed_on, problem.closed_by) == (Status.OPEN, None, None)
    assert set(problem.measures.values_list("status", flat=True)) == {Status.OPEN}
    actions = list(problem.reviews.order_by("created_at", "id").values_list("action", flat=True))
    assert actions == ["退回", "销号", "重新打开"]
    assert AuditRecord.objects.filter(note__contains="重新打开：市级复查发现问题反弹").exists()


@pytest.mark.parametrize(
    ("role", "expect"),
    [
        ("county_admin", "blocked"),
        ("town_staff", "blocked"),
        ("auditor", 403),
        ("village_staff", 403),
        ("grid_member", 403),
        ("other_town", 404),
    ],
)
def test_a_problem_linked_to_a_rule_waits_until_its_items_are_closed(
    users: dict[str, Any], client_for: Any, tmp_path: Path, role: str, expect: Any
) -> None:
    # 疑点数据: 朝阳村's work team has no 第一书记, which rule Z01 finds.
    load("work_teams", [member("李四")], tmp_path, users["county_admin"], "team.xlsx")
    exchange_services.run_checks(actor=None)
    assert Item.objects.open().filter(rule__code="Z01").count() == 1
    load(
        "rectification",
        [measure("P9", 1, 关联规则="Z01", 问题来源="系统问题数据")],
        tmp_path,
        users["county_admin"],
    )
    problem = Problem.objects.get(number="P9")
    _complete(client_for("village_staff"), problem.measures.get())
    page = client_for("village_staff").get(reverse("duty:problem", args=[problem.pk]))
    assert page.context["pending"] == 1 and "未办结问题数据" in page.content.decode()
    response = _close(client_for(role), problem)
    problem.refresh_from_db()
    assert problem.status == Status.DONE
    if expect != "blocked":
        assert response.status_code == expect
        return
    assert "关联规则Z01在朝阳村仍有1条未办结的问题数据" in response.content.decode()
    # 实地核查 → 修正: the team gets its 第一书记; the check closes the item; now it can close.
    load(
        "work_teams",
        [member("李四"), member("王五", 队内职务="第一书记", 驻村开始日期="2024-01-01")],
        tmp_path,
        users["county_admin"],
        "team2.xlsx",
    )
    exchange_services.run_checks(actor=None)
    assert Item.objects.open().filter(rule__code="Z01").count() == 0
    _close(client_for(role), problem)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    assert problem.reviews.get(action="销号").open_items == 0


def test_a_problem_is_made_from_the_open_items_of_a_rule(
    users: dict[str, Any], client_for: Any, tmp_path: Path, regions: dict[str, Any]
) -> None:
    load("work_teams", [member("李四")], tmp_path, users["county_admin"], "team.xlsx")
    exchange_services.run_checks(actor=None)
    url = reverse("duty:from_items")
    form = client_for("town_staff").get(url)
    assert [(r["code"], r["count"]) for r in form.context["rules"]] == [("Z01", 1)]
    assert client_for("auditor").get(url).status_code == 403
    data = {
        "rule_code": "Z01",
        "region": regions["village"].pk,
        "deadline": "2099-06-30",
        "unit": "朝阳村委会",
        "responsible": "村书记",
    }
    response = client_for("town_staff").post(url, data)
    assert response.status_code == 302
    problem = Problem.objects.get(source="系统问题数据")
    assert (problem.rule_code, problem.from_items, problem.region, problem.measure_count) == (
        "Z01",
        1,
        regions["village"],
        1,
    )
    assert "共1条问题数据待核实修正" in problem.description
    measure_row = problem.measures.get()
    assert (measure_row.rule_code, measure_row.measure_type) == ("Z01", "限时整改")


def test_a_problem_is_linked_to_a_known_rule_within_its_region(
    problem: Problem, client_for: Any, regions: dict[str, Any]
) -> None:
    url = reverse("duty:link_rule", args=[problem.pk])
    client = client_for("village_staff")
    unknown = client.post(url, {"rule_code": "NO_SUCH", "scope": ""}, follow=True)
    assert "系统中没有编码为“NO_SUCH”的规则" in unknown.content.decode()
    outside = client.post(url, {"rule_code": "Z01", "scope": regions["other_village"].pk})
    assert outside.status_code == 302
    problem.refresh_from_db()
    assert problem.rule_code == ""  # the other village is not a choice: nothing saved
    assert client.post(url, {"rule_code": "Z01", "scope": ""}).status_code == 302
    problem.refresh_from_db()
    assert (problem.rule_code, problem.scope, problem.rule_scope) == (
        "Z01",
        None,
        regions["village"],
    )
    assert set(problem.measures.values_list("rule_code", flat=True)) == {"Z01"}
