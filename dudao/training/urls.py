from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.session_list, name="session-list"),
    path("proposals/", views.proposals, name="proposals"),
    path("new/", views.session_create, name="session-create"),
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:session_id>/attendance/", views.session_attendance, name="session-attendance"),
    path("me/", views.my_training, name="mine"),
    path("surveys/", views.survey_list, name="survey-list"),
    path("surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<int:survey_id>/", views.survey_answer, name="survey-answer"),
    path("surveys/<int:survey_id>/report/", views.survey_report, name="survey-report"),
    path("surveys/<int:survey_id>/report/send/", views.survey_send, name="survey-send"),
]
