from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("<int:approval_id>/", views.detail, name="detail"),
    path("<int:approval_id>/decide/", views.decide, name="decide"),
    path("<int:approval_id>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
