from django.urls import path

from . import offline, views

app_name = "inspections"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("start/", views.start, name="start"),
    path("preview/<int:template_id>/", views.template_preview, name="template-preview"),
    path("list/", views.inspection_list, name="inspection-list"),
    path("list/export.xlsx", views.inspection_export, name="inspection-export"),
    path("<int:inspection_id>/", views.inspection_detail, name="inspection-detail"),
    path("<int:inspection_id>/run/", views.run, name="run"),
    path("<int:inspection_id>/pdf/", views.inspection_pdf, name="inspection-pdf"),
    path("<int:inspection_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:inspection_id>/follow-up/", views.follow_up, name="follow-up"),
    path("offline/", offline.offline_page, name="offline"),
    path("offline/precache.json", offline.precache, name="offline-precache"),
    path("offline/run/<int:template_id>/", offline.offline_run, name="offline-run"),
]
