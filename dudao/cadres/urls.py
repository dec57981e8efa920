from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("new/", views.report_create, name="report-create"),
    path("<int:report_id>/", views.report_detail, name="report-detail"),
    path("<int:report_id>/rows/<int:row_id>/", views.row_edit, name="row-edit"),
    path("<int:report_id>/publish/", views.report_publish, name="report-publish"),
    path("<int:report_id>/export.xlsx", views.report_xlsx, name="report-xlsx"),
    path("me/", views.my_evaluations, name="mine"),
]
