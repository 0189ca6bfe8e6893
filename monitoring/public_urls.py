"""Public pages without login (农户自主申报)."""

from django.urls import path

from core.views import coming_soon

app_name = "public"
urlpatterns = [
    path("", coming_soon, name="index"),
]
