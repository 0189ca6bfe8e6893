"""Per-request context (request id, actor, address) for audit records, the client's address
behind a proxy, and `Cache-Control: no-store` on everything but static files."""

from __future__ import annotations

import contextvars
import ipaddress
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from core import codes


@dataclass(frozen=True)
class RequestInfo:
    request_id: str
    ip: str
    path: str


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "fangpin_request", default=None
)


def current_request() -> RequestInfo | None:
    """The request being served, or None in commands and jobs."""
    return _current.get()


class RequestContextMiddleware:
    """Give every request an id that audit records carry, and echo it in a response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = RequestInfo(
            request_id=uuid.uuid4().hex[:16],
            ip=client_ip(request) or "",
            path=request.path[:200],
        )
        token = _current.set(info)
        # Another process may have edited a code table: checked at the request's first use of
        # one (a version read), not here, so pages without code tables pay nothing.
        codes.expire()
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-Id"] = info.request_id
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind FANGPIN_PROXY_COUNT reverse proxies the address
    the outermost one saw (counted from the right of X-Forwarded-For, which a client cannot forge
    past the proxies). None when it is not an IP address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.FANGPIN_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class NoStoreMiddleware:
    """Nothing the application answers is kept by browsers or proxies (pages, exports, photos
    and JSON carry people's data); static files, served before this by WhiteNoise, stay
    cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response
