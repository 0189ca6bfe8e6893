"""The public address: the QR code points at FANGPIN_PUBLIC_URL, and the settings page warns
while the address is this computer, an intranet name or plain HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.public import address_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://127.0.0.1:8000/", "只有服务器本机能打开"),
        ("http://localhost/", "只有服务器本机能打开"),
        ("http://192.168.1.20/", "内网"),
        ("http://fangpin/", "内网"),
        ("https://fp.county.lan/", "内网"),
        ("http://fp.example.gov.cn/", "不是 HTTPS"),
        ("https://fp.example.gov.cn/", ""),
    ],
)
def test_address_problem_names_what_phones_cannot_reach(url, warned):
    problem = address_problem(url)
    assert (warned in problem) if warned else problem == ""


def test_the_settings_page_warns_while_the_address_is_this_computer(client_for, settings):
    settings.FANGPIN_PUBLIC_URL = ""
    page = client_for("county_admin").get(reverse("monitoring:settings"), HTTP_HOST="127.0.0.1")
    body = page.content.decode()
    assert "data-public-warning" in body and "只有服务器本机能打开" in body
    settings.FANGPIN_PUBLIC_URL = "https://fp.example.gov.cn"
    body = client_for("county_admin").get(reverse("monitoring:settings")).content.decode()
    assert "https://fp.example.gov.cn/" in body and "data-public-warning" not in body


def test_the_qr_code_points_at_the_public_address(client_for, settings, regions):
    settings.FANGPIN_PUBLIC_URL = "https://fp.example.gov.cn"
    client = client_for("village_staff")
    village = regions["village"]
    client.post(reverse("monitoring:village_qr", args=[village.pk]))
    page = client.get(reverse("monitoring:village_qr", args=[village.pk])).content.decode()
    assert "https://fp.example.gov.cn/public/" in page and "data-public-warning" not in page
    settings.FANGPIN_PUBLIC_URL = ""
    page = client.get(reverse("monitoring:village_qr", args=[village.pk])).content.decode()
    assert "http://testserver/public/" in page and "data-public-warning" in page
