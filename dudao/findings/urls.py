from django.urls import path

from . import views

app_name = "findings"

urlpatterns = [
    path("", views.finding_list, name="finding-list"),
    path("export.xlsx", views.finding_export, name="finding-export"),
    path("new/", views.finding_create, name="finding-create"),
    path("review/", views.review_queue, name="review-queue"),
    path("overview/", views.region_overview, name="region-overview"),
    path("<int:finding_id>/", views.finding_detail, name="finding-detail"),
    path("<int:finding_id>/plan/", views.finding_plan, name="finding-plan"),
    path("<int:finding_id>/progress/", views.finding_progress, name="finding-progress"),
    path("<int:finding_id>/submit/", views.finding_submit, name="finding-submit"),
    path("<int:finding_id>/accept/", views.finding_accept, name="finding-accept"),
    path("<int:finding_id>/reject/", views.finding_reject, name="finding-reject"),
    path("<int:finding_id>/comment/", views.finding_comment, name="finding-comment"),
    path("<int:finding_id>/extensions/", views.finding_extension_request, name="finding-extension-request"),
]
