from django.urls import path

from employment import views

app_name = "employment"
urlpatterns = [
    path("monthly/", views.monthly, name="monthly"),
]
