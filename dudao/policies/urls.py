from django.urls import path

app_name = "policies"

urlpatterns: list = []
