from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/feedback.xlsx", views.batch_export, name="batch_export"),
    path("sources/<str:code>/", views.source_detail, name="source"),
    path("sources/<str:code>/template.xlsx", views.source_template, name="source_template"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
