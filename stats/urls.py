from django.urls import path

from stats import views

app_name = "stats"
urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/<str:kind>/", views.ledger, name="ledger"),
    path("report/", views.work_report, name="report"),
    path("households/<int:pk>/file/", views.household_file, name="household_file"),
    path("households/<int:pk>/card/", views.policy_card, name="policy_card"),
]
