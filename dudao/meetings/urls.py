from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:meeting_id>/", views.meeting_detail, name="detail"),
    path("<int:meeting_id>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:meeting_id>/actions/", views.meeting_action_add, name="action-add"),
    path("<int:meeting_id>/close/", views.meeting_close, name="close"),
    path("<int:meeting_id>/pdf/", views.meeting_pdf, name="pdf"),
    path("actions/<int:action_id>/done/", views.action_done, name="action-done"),
]
