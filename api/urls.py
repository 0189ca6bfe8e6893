"""The JSON API under /api/v1/, its OpenAPI document and its browsable documentation."""

from django.urls import path

from api import views
from api.endpoints import api

urlpatterns = [
    path("docs/", views.docs, name="api_docs"),
    path("", api.urls),
]
