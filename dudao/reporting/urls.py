from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("new/", views.report_create, name="report-create"),
    path("<int:report_id>/", views.report_detail, name="report-detail"),
    path("<int:report_id>/pdf/", views.report_pdf, name="report-pdf"),
    path("<int:report_id>/xlsx/", views.report_xlsx, name="report-xlsx"),
    path("bulletins/", views.bulletin_list, name="bulletin-list"),
    path("bulletins/new/", views.bulletin_create, name="bulletin-create"),
    path("bulletins/<int:bulletin_id>/", views.bulletin_detail, name="bulletin-detail"),
    path("bulletins/<int:bulletin_id>/pdf/", views.bulletin_pdf, name="bulletin-pdf"),
]
