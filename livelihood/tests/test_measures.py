"""一户一策 measures linked to a post or a loan: rule 26 (measures continuing after 风险消除) reads
the record's real end — the post's 退岗日期 or contract end, the loan's 到期日期."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assistance import checks
from assistance.services import save_measure
from core.dates import today
from fangpin.testing import make_household
from livelihood.models import LoanRow, PostRow
from livelihood.tests.helpers import load, loan, post
from registry.models import Household


def eliminated(region: Any) -> Any:
    """A 边缘易致贫户 whose risk was eliminated last year."""
    day = today()
    return make_household(
        region,
        category="边缘易致贫户",
        identified_date=day - dt.timedelta(days=700),
        risk_list=["因务工就业不稳"],
        risk_eliminated=True,
        eliminated_date=day - dt.timedelta(days=300),
        elimination_method="帮扶消除",
    )


def overruns(h: Any) -> list[str]:
    return [f["message"] for f in checks.continuing_overrun(Household.objects.filter(pk=h.pk))]


def test_rule26_reads_the_linked_posts_and_loans_real_end_dates(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    h = eliminated(regions["village"])
    _, wife, son = h.persons.order_by("pk")
    day = today()
    ended = day - dt.timedelta(days=10)
    load(
        "posts",
        [post(wife, 聘用开始日期=f"{day.year - 1}-01-01", 聘用结束日期=f"{ended:%Y-%m-%d}")],
        tmp_path,
        admin,
    )
    load(
        "loans",
        [
            loan(
                son,
                合同编号="RUN",
                放款日期=f"{day.year - 1}-03-01",
                到期日期=f"{day.year + 2}-03-01",
            )
        ],
        tmp_path,
        admin,
    )
    the_post, the_loan = PostRow.objects.get(), LoanRow.objects.get()
    # Linked without an end date: the measure takes the record's (the loan's 到期日期).
    credit = save_measure(
        actor=admin,
        household=h,
        category="金融帮扶",
        subtype="小额信贷",
        ledger_kind="loans",
        ledger_row_id=the_loan.pk,
        continues_after_elimination=True,
        start_date=the_loan.lent_date,
    )
    assert credit.end_date == the_loan.due_date
    # The post's measure still says next year, but the contract ended ten days ago.
    job = save_measure(
        actor=admin,
        household=h,
        category="公益岗位帮扶",
        subtype="公益岗位",
        ledger_kind="posts",
        ledger_row_id=the_post.pk,
        start_date=the_post.start,
        end_date=day + dt.timedelta(days=200),
    )
    assert overruns(h) == [
        f"风险消除后继续的措施“公益岗位帮扶·公益岗位”已于{ended}到期（按关联台账记录），仍为实施中"
    ]
    # Renewed in the ledger (the contract runs on): silent, without touching the measure.
    PostRow.objects.filter(pk=the_post.pk).update(end=day + dt.timedelta(days=300))
    assert overruns(h) == []
    # The holder left the post yesterday: 退岗日期 comes first.
    PostRow.objects.filter(pk=the_post.pk).update(
        status="已退岗", exit_date=day - dt.timedelta(days=1)
    )
    assert len(overruns(h)) == 1
    job.refresh_from_db()
    assert job.end_date == day + dt.timedelta(days=200)


def test_a_measure_cannot_link_a_record_of_another_household(
    regions: dict[str, Any], users: dict[str, Any], household: Any, tmp_path: Path
) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    admin = users["county_admin"]
    h = eliminated(regions["village"])
    load("loans", [loan(household.persons.first())], tmp_path, admin)
    with pytest.raises(ValidationError, match="不属于该户"):
        save_measure(
            actor=admin,
            household=h,
            category="金融帮扶",
            subtype="小额信贷",
            ledger_kind="loans",
            ledger_row_id=LoanRow.objects.get().pk,
        )


def test_the_measure_form_offers_the_households_posts_and_loans_to_link(
    regions: dict[str, Any], users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    from django.urls import reverse

    from assistance.models import Measure

    h = eliminated(regions["village"])
    _, wife, _ = h.persons.order_by("pk")
    load("loans", [loan(wife, 合同编号="FORM1")], tmp_path, users["county_admin"])
    the_loan = LoanRow.objects.get()
    url = reverse("assistance:measure_new", args=[h.pk])
    client = client_for("town_staff")
    page = client.get(url)
    assert page.status_code == 200
    assert (
        f"loans:{the_loan.pk}" in page.content.decode() and "小额信贷FORM1" in page.content.decode()
    )
    response = client.post(
        url,
        {
            "category": "金融帮扶",
            "subtype": "小额信贷",
            "status": "ongoing",
            "start_date": "2024-03-01",
            "continues_after_elimination": "on",
            "ledger_link": f"loans:{the_loan.pk}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Measure.objects.get(household=h)
    assert (saved.ledger_kind, saved.ledger_row_id, saved.end_date) == (
        "loans",
        the_loan.pk,
        the_loan.due_date,
    )
