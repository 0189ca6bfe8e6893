"""Visits: the form with photos, photo scoping, overdue visits by the configured frequencies."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assistance import services
from assistance.models import Contact, Visit, VisitPhoto, VisitRule
from assistance.tests.conftest import TODAY, monitored, png_bytes
from fangpin.testing import make_household
from registry.models import Household

pytestmark = pytest.mark.django_db


def post_visit(client: Any, household: Any, **extra: Any) -> Any:
    data = {
        "household": household.pk,
        "date": TODAY.isoformat(),
        "kind": "日常走访",
        "talked": "on",
        "data_verified": "on",
        "notes": "家中老人身体尚可",
        "latitude": "30.123456",
        "longitude": "114.654321",
        **extra,
    }
    return client.post("/assistance/visits/new/", data)


def test_a_grid_member_records_a_visit_with_a_photo(
    client_for: Any, household: Any, users: dict
) -> None:
    photo = SimpleUploadedFile("a.png", png_bytes(size=(800, 600)), content_type="image/png")
    response = post_visit(client_for("grid_member"), household, photos=photo)
    assert response.status_code == 302
    visit = Visit.objects.get(household=household)
    assert visit.talked and visit.data_verified and not visit.environment_tidied
    assert str(visit.latitude) == "30.123456" and visit.visitor == users["grid_member"]
    p = visit.photos.get()
    assert p.content_type == "image/png" and p.file.startswith("visits/")
    page = client_for("grid_member").get(f"/assistance/households/{household.pk}/")
    assert "家中老人身体尚可" in page.content.decode()
    thumb = client_for("grid_member").get(f"/assistance/photos/{p.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert max(image.size) <= 320


def test_a_photo_of_another_region_answers_404(
    client_for: Any, household: Any, users: dict
) -> None:
    photo = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    visit = services.record_visit(
        actor=users["grid_member"], household=household, date=TODAY, photos=[photo]
    )
    p = visit.photos.get()
    assert client_for("other_town").get(f"/assistance/photos/{p.pk}/").status_code == 404
    assert client_for("other_town").get(f"/assistance/photos/{p.pk}/thumb/").status_code == 404
    assert client_for("town_staff").get(f"/assistance/photos/{p.pk}/").status_code == 200


def test_a_file_that_is_not_a_jpeg_or_png_is_refused_and_nothing_is_saved(
    client_for: Any, household: Any, media_root: Any
) -> None:
    gif = SimpleUploadedFile("b.gif", b"GIF89a" + b"\0" * 40, content_type="image/gif")
    good = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    response = post_visit(client_for("grid_member"), household, photos=[good, gif])
    assert response.status_code == 400
    assert "b.gif" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_a_visit_to_a_household_of_another_town_is_refused(
    client_for: Any, other_household: Any
) -> None:
    response = post_visit(client_for("grid_member"), other_household)
    assert response.status_code == 200 and "请选择本辖区内的农户" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_auditor_cannot_record_visits(client_for: Any, household: Any) -> None:
    assert post_visit(client_for("auditor"), household).status_code == 403
    assert not Visit.objects.exists()


def test_the_household_search_lists_only_visible_households(
    client_for: Any, household: Any, other_household: Any
) -> None:
    page = client_for("grid_member").get("/assistance/visits/new/", {"q": "成员"}).content.decode()
    assert f"?household={household.pk}" in page
    assert f"?household={other_household.pk}" not in page


def _visit(h: Any, days_ago: int) -> None:
    Visit.objects.create(household=h, date=TODAY - dt.timedelta(days=days_ago))


def test_overdue_visits_follow_the_configured_frequencies(regions: dict) -> None:
    village = regions["village"]
    recent = monitored(village, ["因病"])
    _visit(recent, 20)
    late = monitored(village, ["因病"])
    _visit(late, 40)
    never = monitored(village, ["因病"])
    alleviated_ok = make_household(village, is_alleviated=True)
    _visit(alleviated_ok, 60)
    alleviated_late = make_household(village, is_alleviated=True)
    _visit(alleviated_late, 100)
    ordinary = make_household(village)
    due = services.overdue_households(Household.objects.all(), TODAY)
    assert set(due.values_list("pk", flat=True)) == {late.pk, never.pk, alleviated_late.pk}
    row = due.get(pk=late.pk)
    assert row.interval_days == 30 and row.last_visit == TODAY - dt.timedelta(days=40)
    assert ordinary.pk not in due.values_list("pk", flat=True)

    VisitRule.objects.filter(target="monitored").update(interval_days=15)
    VisitRule.objects.filter(target="alleviated").update(active=False)
    due = services.overdue_households(Household.objects.all(), TODAY)
    assert set(due.values_list("pk", flat=True)) == {recent.pk, late.pk, never.pk}


def test_the_overdue_page_groups_by_village_and_cadre_and_is_scoped(
    client_for: Any, regions: dict, users: dict, django_assert_max_num_queries: Any
) -> None:
    for where in ("village", "village", "group"):
        h = monitored(regions[where], ["因病"])
        Contact.objects.create(
            household=h, user=users["grid_member"], name="网格员甲", start_date=TODAY
        )
    monitored(regions["village2"], ["因病"])
    monitored(regions["other_village"], ["因病"])
    client = client_for("town_staff")
    client.get("/assistance/")  # the session is loaded once before counting
    # One query names the villages and groups (乡镇/行政村/组) of the whole page.
    with django_assert_max_num_queries(14):
        page = client.get("/assistance/visits/overdue/")
    text = page.content.decode()
    assert page.status_code == 200 and "走访逾期户（4户）" in text
    assert "网格员甲" in text and "白羊村" not in text
    assert "朝阳村</a></td><td>3</td>" in text  # the 一组 household counts for its village
    mine = client.get("/assistance/visits/overdue/", {"cadre": users["grid_member"].pk})
    assert "走访逾期户（3户）" in mine.content.decode()
    village = client.get("/assistance/visits/overdue/", {"village": regions["village2"].pk})
    assert "走访逾期户（1户）" in village.content.decode()
    other = client_for("other_town").get(
        "/assistance/visits/overdue/", {"village": regions["village"].pk}
    )
    assert other.status_code == 404


def test_the_visit_form_gives_the_date_input_an_iso_value(client_for: Any, household: Any) -> None:
    page = client_for("grid_member").get(f"/assistance/visits/new/?household={household.pk}")
    assert f'value="{dt.date.today():%Y-%m-%d}"' in page.content.decode()


def test_the_county_admin_changes_visit_frequencies(client_for: Any) -> None:
    monthly = VisitRule.objects.get(target="monitored")
    quarterly = VisitRule.objects.get(target="alleviated")
    data = {f"interval_{r.pk}": str(r.interval_days) for r in VisitRule.objects.all()}
    data.update({f"active_{r.pk}": "on" for r in VisitRule.objects.all()})
    data[f"interval_{monthly.pk}"] = "14"
    del data[f"active_{quarterly.pk}"]
    assert client_for("town_staff").post("/assistance/visits/rules/", data).status_code == 403
    assert client_for("county_admin").post("/assistance/visits/rules/", data).status_code == 302
    monthly.refresh_from_db()
    quarterly.refresh_from_db()
    assert monthly.interval_days == 14 and not quarterly.active
    bad = client_for("county_admin").post(
        "/assistance/visits/rules/",
        {**data, f"interval_{monthly.pk}": "0", f"interval_{quarterly.pk}": "60"},
    )
    assert "未消除风险的监测对象：走访间隔应在1—366天之间" in bad.content.decode()
    monthly.refresh_from_db()
    quarterly.refresh_from_db()
    assert monthly.interval_days == 14 and quarterly.interval_days == 90  # nothing half-saved
