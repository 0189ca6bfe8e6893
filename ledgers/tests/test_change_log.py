"""A ledger row's 变更记录 says what each change changed, as the household page does: 金额
500.50 → 600, not only “修改”."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from employment.models import LabourSubsidyRow


def test_a_rows_change_log_names_the_changed_cells(client_for: Any, household: Any) -> None:
    head = household.persons.order_by("id").first()
    client = client_for("town_staff")
    row = {
        "id_number": head.id_number,
        "name": head.name,
        "year": "2026",
        "kind": "一次性交通补贴",
        "amount": "500.50",
        "paid_date": "",
    }
    response = client.post(reverse("ledgers:new", args=["labour_subsidy"]), row)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = LabourSubsidyRow.objects.get()
    edit = reverse("ledgers:edit", args=["labour_subsidy", saved.pk])
    assert client.post(edit, row | {"amount": "600"}).status_code == 302
    page = client.get(reverse("ledgers:detail", args=["labour_subsidy", saved.pk])).content.decode()
    assert "金额：" in page and "500.50</span> → 600" in page
    assert head.id_number not in page  # the row's person is named, never by a full number
