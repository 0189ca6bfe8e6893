from django.urls import path

from duty import views

app_name = "duty"
urlpatterns = [
    path("", views.index, name="index"),
    path("problems/", views.problems, name="problems"),
    path("problems/from-items/", views.from_items, name="from_items"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/review/", views.review, name="review"),
    path("problems/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("problems/<int:pk>/rule/", views.link_rule, name="link_rule"),
    path("measures/<int:pk>/<slug:action>/", views.measure_action, name="measure_action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("rollup/", views.rollup, name="rollup"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/rotate/", views.rotate, name="rotate"),
    path("monthly/", views.monthly, name="monthly"),
    path("villages/<int:pk>/", views.village, name="village"),
    path("grid/", views.grid, name="grid"),
    path("grid/new/", views.grid_unit_new, name="grid_unit_new"),
    path("grid/mine/", views.grid_mine, name="grid_mine"),
    path("grid/<int:pk>/", views.grid_unit, name="grid_unit"),
    path("grid/roles/<int:pk>/end/", views.grid_role_end, name="grid_role_end"),
    path("pairings/", views.pairings, name="pairings"),
]
