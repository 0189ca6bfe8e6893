"""Transport and browser (issue 17.9): HTTPS settings from the environment, a Content-Security-
Policy with no inline script anywhere, and `no-store` on everything but static files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from core.middleware import client_ip

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_pages_carry_a_policy_that_allows_only_our_own_scripts(client_for):
    response = client_for("town_staff").get("/registry/households/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_no_template_holds_an_inline_script_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+=", re.I)
    found = [
        f"{path.relative_to(TEMPLATES)}: {m.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for m in inline.finditer(path.read_text())
    ]
    assert found == []


def test_pages_json_and_files_are_not_stored_and_static_files_are_cacheable(client_for, household):
    client = client_for("county_admin")
    for url in ("/", "/registry/households/", "/api/v1/households", "/imports/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    static = client.get("/static/js/app.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def _settings_with(env: dict[str, str]) -> dict:
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps({k: getattr(settings, k, None) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS',"
        "'SECURE_PROXY_SSL_HEADER', 'CSRF_TRUSTED_ORIGINS', 'SECURE_SSL_REDIRECT')}))"
    )
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangpin.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_https_behind_a_proxy_is_configured_from_the_environment():
    on = _settings_with(
        {"FANGPIN_HTTPS": "true", "FANGPIN_CSRF_TRUSTED_ORIGINS": "https://fp.example.gov.cn"}
    )
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_HSTS_SECONDS"] >= 31536000 and on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["CSRF_TRUSTED_ORIGINS"] == ["https://fp.example.gov.cn"]
    off = _settings_with({"FANGPIN_HTTPS": "false"})
    assert not off["SESSION_COOKIE_SECURE"] and not off["SECURE_HSTS_SECONDS"]


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3"
    )
    settings.FANGPIN_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    settings.FANGPIN_PROXY_COUNT = 1
    assert client_ip(request) == "10.1.2.3"  # the client's own X-Forwarded-For is not trusted
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="unknown")) is None
