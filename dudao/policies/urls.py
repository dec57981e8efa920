from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.detail, name="detail"),
    path("edit/<str:area>/", views.edit, name="edit"),
]
