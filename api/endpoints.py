"""API endpoints. Authentication by session or `Authorization: Bearer <token>`; scoped by
`visible_to(user)` exactly like the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from accounts.models import ApiToken


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session (GET only, so no CSRF token is needed)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


api = NinjaAPI(
    title="fangpin API",
    version="1",
    description="防止返贫动态监测和帮扶 — JSON API (formats.md §5)",
    auth=[BearerAuth(), SessionAuth(csrf=False)],
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive docs page loads assets from a CDN
    urls_namespace="api",
)


def _install_routers() -> None:
    """Each app exposes its endpoints as `router` in `<app>/api.py`; mount them all here."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router("", router)


_install_routers()
