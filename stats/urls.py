from django.urls import path

from core.views import coming_soon

app_name = "stats"
urlpatterns = [
    path("", coming_soon, name="index"),
]
