from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("kpi-values/", views.kpi_value_list, name="kpi-value-list"),
    path("kpi-values/export.xlsx", views.kpi_value_export, name="kpi-value-export"),
    path("targets/", views.target_list, name="target-list"),
    path("cycles/", views.cycle_list, name="cycle-list"),
    path("cycles/<int:cycle_id>/", views.cycle_detail, name="cycle-detail"),
    path("cycles/<int:cycle_id>/compute/", views.cycle_compute, name="cycle-compute"),
    path("cycles/<int:cycle_id>/submit/", views.cycle_submit, name="cycle-submit"),
    path("cycles/<int:cycle_id>/payroll.xlsx", views.cycle_payroll, name="cycle-payroll"),
    path("mine/", views.my_appraisals, name="mine"),
    path("<int:appraisal_id>/", views.appraisal_detail, name="appraisal-detail"),
    path("<int:appraisal_id>/scores/", views.appraisal_scores, name="appraisal-scores"),
    path("<int:appraisal_id>/pdf/", views.appraisal_pdf, name="appraisal-pdf"),
    path("<int:appraisal_id>/appeal/", views.appraisal_appeal, name="appraisal-appeal"),
    # The approvals page links a request to its subject by `<app>:<model>-detail`.
    path("cycles/<int:cycle_id>/", views.cycle_detail, name="appraisalcycle-detail"),
]
