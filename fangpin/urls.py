"""URL map: one include per app, each with its namespace."""

from django.urls import include, path

from core import views as core_views
from fangpin import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
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
    path("duty/", include("duty.urls")),
    path("stats/", include("stats.urls")),
    path("api/v1/", include("api.urls")),
    path("public/", include("monitoring.public_urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
