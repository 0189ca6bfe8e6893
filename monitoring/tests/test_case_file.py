"""The printed case file (案卷) of an identification: every step with who did it and their opinion,
the record, the materials (photos shown); scoped, for who may export, logged; A4 (issue 16)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.models import AuditRecord
from monitoring import services
from monitoring.tests.helpers import advance, make_case, png


def test_the_case_file_prints_steps_opinions_and_materials(client_for, users, household):
    case = make_case(users, household, days_ago=30)
    services.add_attachment(
        actor=users["village_staff"], upload=png("核查现场.png"), case=case, step="visit"
    )
    case = advance(users, case)
    response = client_for("town_staff").get(reverse("monitoring:case_file", args=[case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "防止返贫监测对象识别案卷" in body and 'class="fp-doc fp-a4-portrait' in body
    for step in ("入户核查", "信息比对", "村级民主评议", "公示", "乡镇审核", "县级审定"):
        assert step in body
    assert "已比对医保、民政数据，未发现异常" in body  # the 信息比对 opinion
    assert "核查现场.png" in body and 'class="fp-material-img"' in body
    assert AuditRecord.objects.filter(action="export", note__endswith="案卷").count() == 1
    detail = client_for("town_staff").get(reverse("monitoring:case_detail", args=[case.pk]))
    assert "打印案卷" in detail.content.decode()


def test_another_towns_case_file_is_not_found(client_for: Any, users, household):
    case = make_case(users, household)
    response = client_for("other_town").get(reverse("monitoring:case_file", args=[case.pk]))
    assert response.status_code == 404
