"""The inbox pages: the list (grouped by day and kind), opening an entry or a group (marks it read),
mark all read, and mail preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.policies.registry import policy_for

from . import selectors, services
from .choices import MailMode
from .forms import DeliveryPreferenceForm
from .models import Notification
from .permissions import can_change_delivery_preference, can_use_inbox


@page
def inbox(request):
    actor = request.user
    require(can_use_inbox(actor))
    show = "unread" if request.GET.get("show") == "unread" else ""
    page_obj, days = selectors.inbox_page(actor, unread=True if show else None, page=request.GET.get("page"))
    context = {"page_obj": page_obj, "days": days, "show": show}
    return render_page(request, "notifications/inbox.html", context, partial="notifications/partials/_list.html")


@page
@require_http_methods(["GET", "POST"])
def open_notification(request, notification_id: int):
    """Mark the notification read; then go to what it is about (htmx: answer the updated entry)."""
    actor = request.user
    notification = get_for_actor(Notification, actor, notification_id)
    services.notification_open(actor=actor, notification=notification)
    if request.method == "POST" and request.htmx:
        context = {"n": notification, "count": services.notification_repeats(notification).count(),
                   "unread": False, "oob_bell": True}
        return render(request, "notifications/partials/_item.html", context)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("notifications:inbox")
    return redirect(target)


@page
@require_POST
def read_group(request):
    """Opening a group reads its members (htmx: answers the group, open, and the bell)."""
    actor = request.user
    ids = [part for part in request.POST.get("ids", "").split(",") if part.strip()]
    try:
        services.notifications_mark_read_many(actor=actor, ids=ids)
    except ApplicationError as exc:
        if exc.code != ErrorCode.VALIDATION:
            raise
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    if not request.htmx:
        return redirect("notifications:inbox")
    members = selectors.inbox(actor).filter(pk__in=[int(pk) for pk in ids])
    groups = [g for day in selectors.group_notifications(members) for g in day.groups]
    return render(request, "notifications/partials/_groups.html", {"groups": groups, "open": True, "oob_bell": True})


@page
@require_POST
def read_all(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读") % {"count": count})
    return redirect("notifications:inbox")


@page
def preferences(request):
    actor = request.user
    require(can_change_delivery_preference(actor))
    preference = selectors.delivery_preference(actor)
    initial = {
        "email_enabled": preference.email_enabled,
        "mail_mode": MailMode.DIGEST if preference.daily_digest else MailMode.SINGLE,
    }
    form = DeliveryPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.delivery_preference_update(
                actor=actor, email_enabled=form.cleaned_data["email_enabled"],
                daily_digest=form.cleaned_data["mail_mode"] == MailMode.DIGEST,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("通知设置已保存"))
            return redirect("notifications:preferences")
    context = {"form": form, "policy": policy_for(actor.organization).notifications, "person": actor}
    return render(request, "notifications/preferences.html", context, status=422 if form.errors else 200)
