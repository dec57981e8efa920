from django.urls import path

from . import views

app_name = "checklists"

urlpatterns = [
    path("", views.template_list, name="template-list"),
    path("new/", views.template_create, name="template-create"),
    path("import/", views.template_import, name="template-import"),
    path("<int:template_id>/", views.template_detail, name="template-detail"),
    path("<int:template_id>/edit/", views.template_builder, name="template-builder"),
    path("<int:template_id>/export/", views.template_export, name="template-export"),
    path("<int:template_id>/publish/", views.template_publish, name="template-publish"),
    path("<int:template_id>/revise/", views.template_revise, name="template-revise"),
    path("<int:template_id>/retire/", views.template_retire, name="template-retire"),
]
