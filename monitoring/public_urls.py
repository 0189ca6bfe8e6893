"""Public pages without login (农户自主申报); the login middleware exempts /public/."""

from django.urls import path

from monitoring import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("declare/<str:token>/", public_views.declare, name="declare"),
    path("ticket/", public_views.ticket, name="ticket"),
]
