from django.urls import path

from . import views

app_name = "calibration"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.xlsx", views.export, name="export"),
    path("pairs/<int:pair_id>/", views.pair_detail, name="pair-detail"),
]
