from django.urls import path

from . import views

app_name = "simulation"

urlpatterns = [
    path("", views.simulate, name="simulate"),
    path("export/", views.export, name="export"),
    path("save/", views.save, name="save"),
]
