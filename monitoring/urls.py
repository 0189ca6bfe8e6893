from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.lead_list, name="index"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path(
        "leads/<int:pk>/<str:action>/",
        views.lead_action,
        name="lead_action",
    ),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/notice/", views.case_notice, name="case_notice"),
    path("cases/<int:pk>/file/", views.case_file, name="case_file"),
    path("cases/<int:pk>/<str:action>/", views.case_action, name="case_action"),
    path("overrides/", views.overrides, name="overrides"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("overdue/", views.overdue, name="overdue"),
    path("households/", views.household_lookup, name="household_lookup"),
    path("households/<int:pk>/", views.household_actions, name="household"),
    path("settings/", views.policy_settings, name="settings"),
    path("settings/thresholds/new/", views.threshold_edit, name="threshold_new"),
    path("settings/thresholds/<int:pk>/", views.threshold_edit, name="threshold_edit"),
    path("settings/holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("settings/codes/", views.code_tables, name="code_tables"),
    path("villages/", views.villages, name="villages"),
    path("villages/<int:pk>/notice/", views.village_notice, name="village_notice"),
    path("villages/<int:pk>/qr/", views.village_qr, name="village_qr"),
]
