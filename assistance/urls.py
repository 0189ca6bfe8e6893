from django.urls import path

from assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.index, name="index"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/card/", views.contact_card, name="contact_card"),
    path("households/<int:pk>/contact/", views.contact_assign, name="contact_assign"),
    path("households/<int:pk>/measures/new/", views.measure_edit, name="measure_new"),
    path(
        "households/<int:pk>/measures/<int:measure_id>/",
        views.measure_edit,
        name="measure_edit",
    ),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/cadre/", views.cadre_households, name="cadre_households"),
    path("contacts/bulk/", views.contact_bulk, name="contact_bulk"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/overdue/", views.overdue, name="overdue"),
    path("visits/rules/", views.visit_rules, name="visit_rules"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo, {"thumb": True}, name="photo_thumb"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path(
        "campaigns/<int:pk>/questionnaire/",
        views.campaign_questionnaire,
        name="campaign_questionnaire",
    ),
    path("campaigns/<int:pk>/assign/", views.campaign_assign, name="campaign_assign"),
    path(
        "campaigns/<int:pk>/households/",
        views.campaign_households,
        name="campaign_households",
    ),
    path(
        "campaigns/<int:pk>/households/<int:screening_id>/<int:section>/",
        views.screening_section,
        name="screen",
    ),
]
