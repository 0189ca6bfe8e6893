from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.progress, name="progress"),
    path("assets/", views.assets, name="assets"),
    path("<int:pk>/", views.project, name="project"),
    path("<int:pk>/households/", views.beneficiary_add, name="beneficiary_add"),
    path(
        "<int:pk>/households/<int:row>/remove/",
        views.beneficiary_remove,
        name="beneficiary_remove",
    ),
    path("<int:pk>/approvals/", views.approval_add, name="approval_add"),
]
