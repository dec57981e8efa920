"""Outward delivery of committed notifications: e-mail and the organisation's chat webhook.

`deliver(ids)` runs after the notifying transaction commits and only queues a background task
(huey), so a slow mail server or chat robot never holds up a request. The task mails each
notification to recipients who want single mails, and posts one chat message per event to the
organisation's WeCom or DingTalk robot. `send_daily_digests(now)` is the daily job's work: one mail
per digest-preferring person at the organisation's digest hour. Failures are logged, never raised.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
import urllib.parse
import urllib.request
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dudao.policies.choices import WebhookKind
from dudao.policies.registry import policy_for

from .choices import IMMEDIATE_KINDS
from .models import DeliveryPreference, Notification

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 5
CHAT_BODY_CHARS = 600
CHAT_NAMES_SHOWN = 10
# WeCom refuses markdown content over 4096 bytes; DingTalk allows more, the same cap keeps both short.
CHAT_MAX_BYTES = 4000
DIGEST_WINDOW = dt.timedelta(days=1)


def deliver(notification_ids: list[int]) -> None:
    """Queue mail and chat delivery of committed notifications in the background; never raises."""
    if not notification_ids:
        return
    try:
        from .tasks import deliver_notifications

        deliver_notifications(list(notification_ids))
    except Exception:  # a queue that is down must not break the change that was just committed
        logger.exception("could not queue delivery of notifications %s", notification_ids)


def deliver_now(notification_ids: list[int]) -> dict:
    """Mail and post the given notifications now (what the background task runs)."""
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids).select_related("recipient").order_by("id")
    )
    if not notifications:
        return {"mailed": 0, "chat_messages": 0}
    policies = {org_id: policy_for(org_id).notifications for org_id in {n.organization_id for n in notifications}}
    with translation.override(settings.LANGUAGE_CODE):
        mailed = _send_single_mails(notifications, policies)
        posted = _post_chat_messages(notifications, policies)
    return {"mailed": mailed, "chat_messages": posted}


# --- links -------------------------------------------------------------------------------------
def absolute_url(path: str) -> str:
    """A link for mail and chat: the site's base URL (setting DUDAO_BASE_URL) plus the path."""
    if path.startswith(("http://", "https://")):
        return path
    base = getattr(settings, "DUDAO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/{path.lstrip('/')}"


def _one_line(text: str) -> str:
    """Mail headers refuse line breaks."""
    return " ".join(str(text).split())


# --- single mails -----------------------------------------------------------------------------
def wants_single_mail(person, preference: DeliveryPreference | None, kind: str = "") -> bool:
    """Whether a notification is mailed on its own: the person has an address and mail on, and
    chose single mails, or the kind cannot wait for the digest (an early warning)."""
    if not (person.is_active and person.email):
        return False
    if preference is None:
        return True
    return preference.email_enabled and (not preference.daily_digest or kind in IMMEDIATE_KINDS)


def _single_mail(notification: Notification) -> EmailMessage:
    lines = [notification.title, ""]
    if notification.body:
        lines += [notification.body, ""]
    lines.append(_("查看:%(link)s") % {"link": absolute_url(notification.get_absolute_url())})
    lines += ["", "—", _("督导 Dudao。改为每日汇总或关闭邮件:%(link)s") % {
        "link": absolute_url(reverse("notifications:preferences"))}]
    return EmailMessage(
        subject=_one_line(notification.title), body="\n".join(lines), to=[notification.recipient.email]
    )


def _send_single_mails(notifications: list[Notification], policies: dict) -> int:
    preferences = {
        p.person_id: p
        for p in DeliveryPreference.objects.filter(person_id__in={n.recipient_id for n in notifications})
    }
    todo = [
        n for n in notifications
        if n.emailed_at is None and n.digested_at is None and policies[n.organization_id].email_enabled
        and wants_single_mail(n.recipient, preferences.get(n.recipient_id), n.kind)
    ]
    if not todo:
        return 0
    sent: list[int] = []
    try:
        with get_connection() as connection:
            for notification in todo:
                try:
                    if connection.send_messages([_single_mail(notification)]):
                        sent.append(notification.pk)
                except Exception:
                    logger.exception("mail for notification %s to person %s failed",
                                     notification.pk, notification.recipient_id)
    except Exception:  # the mail server could not be reached at all
        logger.exception("mail server unavailable; %s notification mail(s) not sent", len(todo) - len(sent))
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)


# --- chat robots ------------------------------------------------------------------------------
def chat_payload(webhook_kind: str, *, title: str, body: str, link: str, recipient_names: list[str]) -> dict:
    """The robot message for one event, in WeCom (`wecom`) or DingTalk (`dingtalk`) markdown format."""
    names = "、".join(recipient_names[:CHAT_NAMES_SHOWN])
    if len(recipient_names) > CHAT_NAMES_SHOWN:
        names = _("%(names)s 等 %(count)s 人") % {"names": names, "count": len(recipient_names)}
    body = body.strip()
    if len(body) > CHAT_BODY_CHARS:
        body = body[:CHAT_BODY_CHARS] + "…"
    quoted = [f"> {line}" for line in body.splitlines() if line.strip()]
    recipients_line = _("通知:%(names)s") % {"names": names}
    view = _("查看详情")
    if webhook_kind == WebhookKind.DINGTALK:
        # DingTalk markdown starts a new line only after a blank one.
        text = "\n\n".join([f"#### {title}", *quoted, recipients_line, f"[{view}]({link})"])
        text = _fit(text, CHAT_MAX_BYTES)
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}
    content = "\n".join([f"**{title}**", *quoted, f"> {recipients_line}", f"[{view}]({link})"])
    return {"msgtype": "markdown", "markdown": {"content": _fit(content, CHAT_MAX_BYTES)}}


def _fit(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


def _redacted(url: str) -> str:
    """A webhook address without its query (which holds the robot's key) for the log."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def post_webhook(url: str, payload: dict) -> bool:
    """POST `payload` as JSON to a chat robot; True when it answered 2xx with errcode 0. Never raises."""
    if not url.startswith("https://"):
        logger.warning("chat webhook %s skipped: only https:// addresses are used", _redacted(url))
        return False
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    try:
        # A fresh context per call picks up the system's (or SSL_CERT_FILE's) certificates as they are now.
        context = ssl.create_default_context()
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS, context=context) as response:
            answer = response.read(64 * 1024)
    except Exception as exc:  # unreachable, refused, timed out, HTTP error, bad certificate: log, go on
        logger.warning("chat webhook %s failed: %s", _redacted(url), exc)
        return False
    try:
        result = json.loads(answer or b"{}")
    except ValueError:
        result = {}
    errcode = result.get("errcode", 0) if isinstance(result, dict) else 0
    if str(errcode) != "0":
        logger.warning("chat webhook %s refused the message: %s %s", _redacted(url), errcode, result.get("errmsg"))
        return False
    return True


def _post_chat_messages(notifications: list[Notification], policies: dict) -> int:
    """One robot message per event and organisation, naming everyone it went to."""
    events: dict[tuple, list[Notification]] = defaultdict(list)
    for n in notifications:
        policy = policies[n.organization_id]
        if policy.webhook_kind == WebhookKind.NONE or not policy.webhook_url:
            continue
        events[(n.organization_id, n.kind, n.title, n.body, n.url)].append(n)
    posted = 0
    for (org_id, _kind, title, body, url), items in events.items():
        policy = policies[org_id]
        payload = chat_payload(
            policy.webhook_kind, title=title, body=body,
            link=absolute_url(url or reverse("notifications:inbox")),
            recipient_names=[n.recipient.display_name or n.recipient.username for n in items],
        )
        posted += post_webhook(policy.webhook_url, payload)
    return posted


# --- daily digest -----------------------------------------------------------------------------
def _digest_mail(person, items: list[Notification]) -> EmailMessage:
    """The day's notifications grouped as the inbox groups them (repeats once with ×N, a burst of one
    kind as one line with its entries below), newest first."""
    from .selectors import group_notifications

    lines = [_("%(name)s,您好:过去一天有 %(count)s 条通知。") % {
        "name": person.display_name or person.username, "count": len(items)}, ""]
    newest_first = sorted(items, key=lambda n: (n.created_at, n.pk), reverse=True)
    for day in group_notifications(newest_first):
        for group in day.groups:
            when = timezone.localtime(group.latest.created_at).strftime("%m-%d %H:%M")
            if group.count > 1:
                lines.append(f"· {when} {group.summary}")
                lines += _digest_entry_lines(group.entries, indent="    ")
            else:
                lines.append(f"· {when} {_entry_title(group.entries[0])}")
                lines.append(f"  {absolute_url(group.latest.get_absolute_url())}")
    lines += ["", _("全部通知:%(link)s") % {"link": absolute_url(reverse("notifications:inbox"))},
              "—", _("督导 Dudao。改为逐条邮件或关闭邮件:%(link)s") % {
                  "link": absolute_url(reverse("notifications:preferences"))}]
    subject = _("督导每日汇总:%(count)s 条通知") % {"count": len(items)}
    return EmailMessage(subject=subject, body="\n".join(lines), to=[person.email])


def _entry_title(entry) -> str:
    return f"{entry.latest.title} ×{entry.count}" if entry.count > 1 else entry.latest.title


def _digest_entry_lines(entries, *, indent: str) -> list[str]:
    lines = []
    for entry in entries:
        lines.append(f"{indent}- {_entry_title(entry)}")
        lines.append(f"{indent}  {absolute_url(entry.latest.get_absolute_url())}")
    return lines


def send_daily_digests(now: dt.datetime) -> dict:
    """At each organisation's digest hour, mail every digest-preferring person their last day in one mail.

    Each notification goes into at most one digest (`digested_at`), so running again sends nothing
    new; notifications already mailed singly are left out. Organisations whose digest hour is not
    the hour of `now` (local time) are skipped.
    """
    hour = timezone.localtime(now).hour
    candidates = list(
        DeliveryPreference.objects.filter(daily_digest=True, email_enabled=True, person__is_active=True)
        .exclude(person__email="")
        .select_related("person")
    )
    due_orgs = set()
    for org_id in {p.person.organization_id for p in candidates}:
        policy = policy_for(org_id, on=now).notifications
        if policy.email_enabled and policy.digest_hour == hour:
            due_orgs.add(org_id)
    people = {p.person_id: p.person for p in candidates if p.person.organization_id in due_orgs}
    if not people:
        return {"people": 0, "notifications": 0}
    pending: dict[int, list[Notification]] = defaultdict(list)
    for n in Notification.objects.filter(
        recipient_id__in=people, emailed_at__isnull=True, digested_at__isnull=True,
        created_at__gt=now - DIGEST_WINDOW, created_at__lte=now,
    ).order_by("recipient_id", "created_at", "id"):
        pending[n.recipient_id].append(n)
    mailed_people = 0
    digested: list[int] = []
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with get_connection() as connection:
                for person_id, items in pending.items():
                    try:
                        if connection.send_messages([_digest_mail(people[person_id], items)]):
                            mailed_people += 1
                            digested += [n.pk for n in items]
                    except Exception:
                        logger.exception("daily digest for person %s failed", person_id)
        except Exception:
            logger.exception("mail server unavailable; daily digests not sent")
    if digested:
        Notification.objects.filter(pk__in=digested).update(digested_at=now)
    return {"people": mailed_people, "notifications": len(digested)}
