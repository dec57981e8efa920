from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("kpi-values/", views.kpi_value_list, name="kpi-value-list"),
    path("kpi-values/export.xlsx", views.kpi_value_export, name="kpi-value-export"),
    path("targets/", views.target_list, name="target-list"),
]
