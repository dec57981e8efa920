from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("new/", views.run_new, name="run-new"),
    path("<int:run_id>/", views.run_detail, name="run-detail"),
    path("<int:run_id>/mapping/", views.run_mapping, name="run-mapping"),
    path("<int:run_id>/apply/", views.run_apply, name="run-apply"),
]
