from django.urls import path

from livelihood import views

app_name = "livelihood"
urlpatterns = [
    path("loans/due/", views.loans_due, name="loans_due"),
]
