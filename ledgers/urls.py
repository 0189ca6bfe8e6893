from django.urls import path

from ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:kind>/", views.ledger_list, name="list"),
    path("<slug:kind>/new/", views.row_new, name="new"),
    path("<slug:kind>/export.xlsx", views.export, name="export"),
    path("<slug:kind>/print/", views.print_view, name="print"),
    path("<slug:kind>/stats/", views.stats, name="stats"),
    path("<slug:kind>/<int:pk>/", views.row_detail, name="detail"),
    path("<slug:kind>/<int:pk>/edit/", views.row_edit, name="edit"),
    path("<slug:kind>/<int:pk>/delete/", views.row_delete, name="delete"),
]
