from django.urls import path

from . import views

app_name = "discipline"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="ledger-export"),
    path("new/", views.violation_create, name="violation-create"),
    path("violations/<int:violation_id>/", views.violation_detail, name="violation-detail"),
    path("violations/<int:violation_id>/confirm/", views.violation_confirm, name="violation-confirm"),
    path("violations/<int:violation_id>/appeal/", views.violation_appeal, name="violation-appeal"),
    path("me/", views.my_record, name="my-record"),
    path("people/<int:person_id>/", views.person_record, name="person-record"),
]
