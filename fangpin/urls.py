"""URL map: one include per app, each with its namespace."""

from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from core import views as core_views
from fangpin import guide, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: no 404 in the log.
    path(
        "favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)
    ),
    path("jobs/", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("regions/", include("regions.urls")),
    path("registry/", include("registry.urls")),
    path("imports/", include("imports.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("assistance/", include("assistance.urls")),
    path("exchange/", include("exchange.urls")),
    path("lowincome/", include("lowincome.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("benefits/", include("benefits.urls")),
    path("duty/", include("duty.urls")),
    path("employment/", include("employment.urls")),
    path("livelihood/", include("livelihood.urls")),
    path("projects/", include("projects.urls")),
    path("stats/", include("stats.urls")),
    path("api/v1/", include("api.urls")),
    path("public/", include("monitoring.public_urls")),
    path("help/", guide.help_page, name="help"),
    path("help/<slug:topic>/", guide.help_page, name="help_topic"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
