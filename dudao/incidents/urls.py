from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_create, name="incident-create"),
    path("<int:incident_id>/", views.incident_detail, name="incident-detail"),
    path("<int:incident_id>/respond/", views.incident_respond, name="incident-respond"),
    path("<int:incident_id>/finding/", views.incident_finding, name="incident-finding"),
]
