from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("calendar/", views.calendar, name="calendar"),
    path("my-week/", views.my_week, name="my-week"),
    path("new/", views.plan_create, name="plan-create"),
    path("<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("<int:plan_id>/propose/", views.plan_propose, name="plan-propose"),
    path("<int:plan_id>/submit/", views.plan_submit, name="plan-submit"),
    path("<int:plan_id>/visits/add/", views.visit_add, name="visit-add"),
    path("<int:plan_id>/visits/<int:visit_id>/delete/", views.visit_delete, name="visit-delete"),
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path("schedules/upcoming/", views.schedule_upcoming, name="schedule-upcoming"),
    path("schedules/<int:schedule_id>/", views.schedule_edit, name="schedule-edit"),
    path("schedules/<int:schedule_id>/deactivate/", views.schedule_deactivate, name="schedule-deactivate"),
    path("holidays/", views.holiday_list, name="holiday-list"),
    path("holidays/add/", views.holiday_add, name="holiday-add"),
    path("holidays/<int:holiday_id>/delete/", views.holiday_delete, name="holiday-delete"),
]
