from django.urls import path

from . import views

app_name = "workplans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("new/", views.plan_create, name="plan-create"),
    path("<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("<int:plan_id>/submit/", views.plan_submit, name="plan-submit"),
]
