"""Pages for signing in, the organisation tree and people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.core.errors import ApplicationError
from dudao.core.middleware import SESSION_AUTH_AT
from dudao.core.views import form_error, get_for_actor, page, render_page, require

from . import selectors, services
from .forms import (
    DeactivateForm,
    ForgotPasswordForm,
    PasswordChangeForm,
    PersonEditForm,
    PersonForm,
    PersonPasswordResetForm,
    ResetSetPasswordForm,
    RoleGrantForm,
    UnitCreateForm,
    UnitForm,
    UnitMoveForm,
)
from .models import Person, RoleAssignment, Unit
from .permissions import can_manage_people, can_manage_roles, can_manage_units


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        import time

        self.request.session[SESSION_AUTH_AT] = int(time.time())
        return response


def locked_out(request, credentials=None, *args, **kwargs):
    """What a locked account sees (django-axes calls this): 429 with the reason."""
    return render(request, "org/locked_out.html", status=429)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


# --- tree ------------------------------------------------------------------------------------
@page
def tree(request):
    actor = request.user
    tops = selectors.unit_children(actor, None)
    return render(request, "org/tree.html", {"tops": tops, "can_manage": can_manage_units(actor)})


@page
def unit_children(request, unit_id: int):
    actor = request.user
    unit = get_for_actor(Unit, actor, unit_id)
    children = selectors.unit_children(actor, unit)
    return render(request, "org/partials/_unit_children.html", {"units": children})


@page
def unit_detail(request, unit_id: int):
    actor = request.user
    unit = get_for_actor(Unit, actor, unit_id)
    ancestors = Unit.objects.visible_to(actor).filter(pk__in=unit.ancestor_ids).order_by("depth")
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "children": selectors.unit_children(actor, unit),
        "assignments": selectors.unit_people(actor, unit),
        "can_manage": can_manage_units(actor),
    }
    return render(request, "org/unit_detail.html", context)


@page
def unit_create(request):
    actor = request.user
    require(can_manage_units(actor))
    units = Unit.objects.visible_to(actor, "manage").exclude(kind__in=["store", "branch", "plant"]).order_by("path")
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = get_for_actor(Unit, actor, request.GET["parent"], action="manage")
    form = UnitCreateForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                actor=actor, parent=form.cleaned_data["parent"], code=form.cleaned_data["code"],
                name=form.cleaned_data["name"], kind=form.cleaned_data["kind"],
                latitude=form.cleaned_data["latitude"], longitude=form.cleaned_data["longitude"],
                address=form.cleaned_data["address"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已添加机构 %(name)s") % {"name": unit.name})
            return redirect(unit.get_absolute_url())
    return render_page(request, "org/unit_form.html", {"form": form, "title": _("添加机构")},
                       status=422 if form.errors else 200)


@page
def unit_edit(request, unit_id: int):
    actor = request.user
    unit = get_for_actor(Unit, actor, unit_id, action="manage")
    form = UnitForm(request.POST or None, initial={
        "code": unit.code, "name": unit.name, "kind": unit.kind, "latitude": unit.latitude,
        "longitude": unit.longitude, "address": unit.address,
    })
    if unit.parent_id is None:
        form.fields.pop("kind")
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=actor, unit=unit, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(unit.get_absolute_url())
    return render_page(request, "org/unit_form.html", {"form": form, "unit": unit, "title": _("修改机构")},
                       status=422 if form.errors else 200)


@page
def unit_move(request, unit_id: int):
    actor = request.user
    unit = get_for_actor(Unit, actor, unit_id, action="manage")
    targets = (
        Unit.objects.visible_to(actor, "manage")
        .exclude(path__startswith=unit.path)
        .exclude(kind__in=["store", "branch", "plant"])
        .order_by("path")
    )
    form = UnitMoveForm(request.POST or None, units=targets, initial={"parent": unit.parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=actor, unit=unit, new_parent=form.cleaned_data["parent"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已移动 %(name)s") % {"name": unit.name})
            return redirect(unit.get_absolute_url())
    return render_page(request, "org/unit_form.html", {"form": form, "unit": unit, "title": _("移动机构")},
                       status=422 if form.errors else 200)


# --- people ----------------------------------------------------------------------------------
@page
def people(request):
    actor = request.user
    q = request.GET.get("q", "").strip()
    active = request.GET.get("active", "")
    paginator = Paginator(selectors.people_page(actor, q, active), 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "q": q, "active": active, "can_manage": can_manage_people(actor)}
    return render_page(request, "org/people.html", context, partial="org/partials/_people_table.html")


@page
def person_create(request):
    actor = request.user
    require(can_manage_people(actor))
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已创建人员 %(name)s") % {"name": person.display_name})
            return redirect(person.get_absolute_url())
    return render(request, "org/person_form.html", {"form": form}, status=422 if form.errors else 200)


@page
def person_detail(request, person_id: int):
    actor = request.user
    person = get_for_actor(Person, actor, person_id)
    assignments = RoleAssignment.objects.filter(person=person).select_related("unit").order_by("unit__path")
    grant_form = None
    if can_manage_roles(actor):
        grant_form = RoleGrantForm(units=Unit.objects.visible_to(actor, "manage").order_by("path"))
    context = {
        "person": person,
        "assignments": assignments,
        "grant_form": grant_form,
        "can_manage": can_manage_people(actor),
    }
    return render(request, "org/person_detail.html", context)


def _person_action(request, person, form, *, title: str, submit: str, danger: bool = False, note: str = ""):
    context = {"person": person, "form": form, "title": title, "submit": submit, "danger": danger, "note": note}
    return render(request, "org/person_action.html", context, status=422 if form.errors else 200)


@page
def person_edit(request, person_id: int):
    actor = request.user
    person = get_for_actor(Person, actor, person_id, action="manage")
    initial = {"display_name": person.display_name, "email": person.email, "phone": person.phone}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=actor, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(person.get_absolute_url())
    return _person_action(request, person, form, title=_("修改人员信息"), submit=_("保存"))


@page
def person_password(request, person_id: int):
    """An administrator's reset: a temporary password; the person must change it at next sign-in."""
    actor = request.user
    person = get_for_actor(Person, actor, person_id, action="manage")
    form = PersonPasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_password_reset(actor=actor, person=person, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已重置 %(name)s 的密码:其登录会话和接口令牌已失效,下次登录须修改密码")
                             % {"name": person.display_name})
            return redirect(person.get_absolute_url())
    return _person_action(request, person, form, title=_("重置密码"), submit=_("重置密码"), danger=True)


@page
def person_deactivate(request, person_id: int):
    actor = request.user
    person = get_for_actor(Person, actor, person_id, action="manage")
    form = DeactivateForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.person_deactivate(actor=actor, person=person, left_on=form.cleaned_data["left_on"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已停用 %(name)s,其登录会话和令牌已失效") % {"name": person.display_name})
            return redirect(person.get_absolute_url())
    return _person_action(request, person, form, title=_("停用账号"), submit=_("停用"), danger=True)


# --- my password -----------------------------------------------------------------------------
@page
def password_change(request):
    """Change my own password; this session stays signed in, every other session and token ends."""
    person = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.password_change(
                actor=person, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"], keep_session_key=request.session.session_key,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            update_session_auth_hash(request, person)
            messages.success(request, _("密码已修改;其他设备上的登录已退出"))
            return redirect("home")
    context = {"form": form, "forced": request.user.must_change_password}
    return render(request, "org/password_change.html", context, status=422 if form.errors else 200)


# --- forgotten password (public) --------------------------------------------------------------
def password_reset(request):
    """"忘记密码?": whatever is typed, the same answer follows, so nobody learns who has an account."""
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(identifier=form.cleaned_data["identifier"])
        return redirect("org:password-reset-done")
    return render(request, "org/password_reset_form.html", {"form": form}, status=422 if form.errors else 200)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "org/password_reset_done.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings

        return {**super().get_context_data(**kwargs), "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the mail: valid once, for PASSWORD_RESET_TIMEOUT, for an active person only."""

    template_name = "org/password_reset_confirm.html"
    form_class = ResetSetPasswordForm
    success_url = reverse_lazy("org:password-reset-complete")

    def get_user(self, uidb64):
        person = super().get_user(uidb64)
        if person is None or not person.is_active or not person.organization.is_active:
            return None
        return person


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "org/password_reset_complete.html"


@page
@require_POST
def role_grant(request, person_id: int):
    actor = request.user
    person = get_for_actor(Person, actor, person_id, action="manage")
    form = RoleGrantForm(request.POST, units=Unit.objects.visible_to(actor, "manage"))
    if form.is_valid():
        try:
            services.role_grant(actor=actor, person=person, role=form.cleaned_data["role"], unit=form.cleaned_data["unit"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已授予角色"))
    else:
        messages.error(request, "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
    return redirect(reverse("org:person-detail", args=[person.pk]))


@page
@require_POST
def role_revoke(request, person_id: int, assignment_id: int):
    actor = request.user
    person = get_for_actor(Person, actor, person_id, action="manage")
    assignment = get_for_actor(RoleAssignment.objects.filter(person=person), actor, assignment_id, action="manage")
    try:
        services.role_revoke(actor=actor, assignment=assignment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销角色"))
    return redirect(reverse("org:person-detail", args=[person.pk]))
