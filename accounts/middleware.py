"""Every page needs a login except the login page, the public self-declaration pages and static;
signed-cookie sessions slide their idle timeout without a write per request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

PUBLIC_PREFIXES = ("/accounts/login", "/static/", "/public/", "/api/", "/healthz", "/favicon.ico")


class LoginRequiredMiddleware:
    """Redirect anonymous users to the login page (the API answers 401 by itself)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


SEEN_KEY = "_fp_seen"


class SlidingSessionMiddleware:
    """Re-sign a logged-in user's session cookie at most every SESSION_REFRESH_SECONDS.

    The signed-cookie session expires SESSION_COOKIE_AGE after it was last signed, so an idle
    user is logged out after that long, while an active one keeps working; nothing is written
    to the database (Django's SESSION_SAVE_EVERY_REQUEST would re-sign on every request).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if not isinstance(seen, int) or now - seen >= settings.SESSION_REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)
