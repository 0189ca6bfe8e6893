"""Per-request context (request id, actor, address) for audit records written by services."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


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
            ip=request.META.get("REMOTE_ADDR", ""),
            path=request.path[:200],
        )
        token = _current.set(info)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-Id"] = info.request_id
        return response
