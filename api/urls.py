"""The JSON API under /api/v1/ (formats.md §5)."""

from django.urls import path

from api.endpoints import api

urlpatterns = [
    path("", api.urls),
]
