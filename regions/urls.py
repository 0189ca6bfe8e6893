from django.urls import path

from regions import views

app_name = "regions"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/children/", views.create_child, name="create_child"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/retire/", views.retire, name="retire"),
]
