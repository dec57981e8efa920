from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("org/", views.tree, name="tree"),
    path("org/units/<int:unit_id>/", views.unit_detail, name="unit-detail"),
    path("org/units/<int:unit_id>/children/", views.unit_children, name="unit-children"),
    path("org/units/new/", views.unit_create, name="unit-create"),
    path("org/units/<int:unit_id>/edit/", views.unit_edit, name="unit-edit"),
    path("org/units/<int:unit_id>/move/", views.unit_move, name="unit-move"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:person_id>/", views.person_detail, name="person-detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:person_id>/password/", views.person_password, name="person-password"),
    path("people/<int:person_id>/deactivate/", views.person_deactivate, name="person-deactivate"),
    path("me/password/", views.password_change, name="password-change"),
    path("password/forgot/", views.password_reset, name="password-reset"),
    path("password/forgot/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("people/<int:person_id>/roles/", views.role_grant, name="role-grant"),
    path("people/<int:person_id>/roles/<int:assignment_id>/revoke/", views.role_revoke, name="role-revoke"),
]
