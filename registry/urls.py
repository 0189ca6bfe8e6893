from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="index"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/correct/", views.household_correct, name="household_correct"),
    path("corrections/", views.corrections, name="corrections"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/income/new/", views.income_edit, name="income_add"),
    path("households/<int:pk>/income/<int:year>/", views.income_edit, name="income_edit"),
    path(
        "households/<int:pk>/reveal/<str:field>/",
        views.reveal_household,
        name="reveal_household",
    ),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("members/<int:pk>/reveal/<str:field>/", views.reveal_person, name="reveal_person"),
]
