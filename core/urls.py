from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status", views.job_status, name="job_status"),
    path("<int:pk>/file", views.job_file, name="job_file"),
]
