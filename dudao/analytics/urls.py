from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("before-after/<int:unit_id>/", views.before_after, name="before-after"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/run/", views.evaluations_run, name="evaluations-run"),
    path("review-cases/", views.review_cases, name="review-cases"),
    path("review-cases/<int:case_id>/", views.review_case_detail, name="review-case-detail"),
    path("review-cases/<int:case_id>/start/", views.review_case_start, name="review-case-start"),
    path("review-cases/<int:case_id>/decide/", views.review_case_decide, name="review-case-decide"),
]
