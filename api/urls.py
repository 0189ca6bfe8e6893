"""The JSON API under /api/v1/, its OpenAPI document and its browsable documentation."""

from django.urls import path, re_path
from django.views.generic import RedirectView

from api import views
from api.endpoints import api

urlpatterns = [
    path("docs/", views.docs, name="api_docs"),
    # The documentation is a page: without its slash, a browser is sent to it.
    path("docs", RedirectView.as_view(pattern_name="api_docs")),
    # Before ninja's: its root view only names the prefix and raises a bare 404.
    path("", views.no_endpoint),
    path("", api.urls),
    # Any other path under /api/v1/: a JSON 404 like the endpoints', not the pages' HTML one.
    re_path(r"^.*$", views.no_endpoint),
]
