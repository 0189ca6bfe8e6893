from django.urls import path

from lowincome import views

app_name = "lowincome"
urlpatterns = [
    path("", views.index, name="index"),
    path("village/<int:pk>/", views.village, name="village"),
    path("export.xlsx", views.export, name="export"),
]
