"""Telling people what they must know or do: in-app inbox first, delivered after the transaction commits.

`notify` is what every other app calls. It writes inbox rows inside the caller's transaction (so a
rolled-back change notifies nobody) and queues outward delivery (mail, chat) with on_commit.

Marking notifications read is not written to the audit chain: it changes only the reader's own
inbox (the row keeps who read it and when), and an audit row per click would serialise every
inbox on the chain's lock. A change of delivery preference is audited like any setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import ApplicationError, ErrorCode, from_django_validation

from .models import DeliveryPreference, Notification
from .permissions import can_change_delivery_preference, can_read_notification, can_use_inbox

PREFERENCE_AUDIT_FIELDS = ["person", "daily_digest", "email_enabled"]


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    obj=None,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    at=None,
) -> list[Notification]:
    """Put one notification in each recipient's inbox (each person once, inactive people skipped).

    With a `dedupe_key`, a recipient who already has a notification with that key gets no new one:
    jobs may run twice and escalations be re-evaluated without notifying anyone twice. Costs a
    fixed number of queries whatever the number of recipients.
    """
    people = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    now = at or timezone.now()
    people = _not_yet_told(people, obj, now)
    if not people:
        return []
    if dedupe_key:
        already = set(
            Notification.objects.filter(recipient_id__in=seen, dedupe_key=dedupe_key).values_list(
                "recipient_id", flat=True
            )
        )
        people = [person for person in people if person.pk not in already]
        if not people:
            return []

    object_type, object_id = ("", "")
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    if not url and obj is not None and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    rows = [
        Notification(
            organization_id=person.organization_id, recipient=person, kind=kind, title=str(title)[:300],
            body=str(body), object_type=object_type, object_id=object_id, url=url,
            dedupe_key=dedupe_key, created_at=now,
        )
        for person in people
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:
        created = _create_one_by_one(rows)  # a concurrent run notified some of them first
    if any(row.pk is None for row in created):  # a database that cannot return ids from a bulk insert
        created = list(
            Notification.objects.filter(
                recipient_id__in=[row.recipient_id for row in rows], kind=kind, created_at=now,
                object_type=object_type, object_id=object_id,
            ).order_by("id")
        )
    if created:
        ids = [row.pk for row in created]
        # robust: a failure to hand the mail over never breaks the change that was just committed.
        transaction.on_commit(lambda: deliver(ids), robust=True)
    return created


# --- one message per person per event -------------------------------------------------------------
# One event may pass through several services that each tell the people concerned: an approved
# extension tells its requester through the finding ("延期申请已批准") and through the approval
# engine ("审批通过"). Within one transaction (the outermost service call), a person already told at
# the same moment about the same object, or about the object an approval request is for, is not told
# again; the first message (the most specific one, from the subject's own app) stands.
@dataclass
class _Told:
    """Who was told what in one transaction, named by its list of on-commit callbacks (Django starts a
    new list when a transaction commits or rolls back) and its outermost savepoint, if any (a service
    called inside a test's or another caller's transaction)."""

    callbacks: list
    savepoint: str | None
    keys: set = field(default_factory=set)


def _object_keys(obj) -> set[tuple[str, str]]:
    if obj is None:
        return set()
    keys = {(obj._meta.label_lower, str(obj.pk))}
    subject_type, subject_id = getattr(obj, "subject_type", ""), getattr(obj, "subject_id", "")
    if subject_type and subject_id:
        keys.add((str(subject_type), str(subject_id)))
    return keys


def _not_yet_told(people: list, obj, at) -> list:
    keys = _object_keys(obj)
    connection = transaction.get_connection()
    if not keys or not people or not connection.in_atomic_block:
        return people
    savepoint = connection.savepoint_ids[0] if connection.savepoint_ids else None
    told = getattr(connection, "dudao_told", None)
    if told is None or told.callbacks is not connection.run_on_commit or told.savepoint != savepoint:
        told = connection.dudao_told = _Told(connection.run_on_commit, savepoint)
    fresh = [p for p in people if not any((p.pk, at, key) in told.keys for key in keys)]
    told.keys.update((p.pk, at, key) for p in fresh for key in keys)
    return fresh


def _create_one_by_one(rows: list[Notification]) -> list[Notification]:
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        created.append(row)
    return created


def deliver(notification_ids: list[int]) -> None:
    """Send what was just committed by mail and chat (the notifications app's delivery layer)."""
    from . import delivery

    delivery.deliver(notification_ids)


# --- the reader's inbox -------------------------------------------------------------------------
@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (reading it again keeps the first time)."""
    if not can_read_notification(actor, notification):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if notification.read_at is None:
        now = timezone.now()
        # Conditional, so two tabs opening it at once keep the first reading time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = Notification.objects.filter(pk=notification.pk).values_list(
            "read_at", flat=True
        ).get()
    return notification


@transaction.atomic
def notification_open(*, actor, notification: Notification) -> Notification:
    """Opening an inbox entry reads it and the repeats it stands for (the same kind about the same object)."""
    notification = notification_mark_read(actor=actor, notification=notification)
    notification_repeats(notification).filter(read_at__isnull=True).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def notifications_mark_read_many(*, actor, ids: Iterable[int]) -> int:
    """Mark the given notifications read (opening a group, or an entry and its repeats); ids that are
    not in the actor's own inbox are ignored. Returns how many were unread."""
    if not can_use_inbox(actor):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError) as exc:
        raise ApplicationError(ErrorCode.VALIDATION, _("通知编号无效"), {"fields": {"ids": [_("通知编号无效")]}}) from exc
    if not wanted:
        return 0
    return Notification.objects.visible_to(actor).unread().filter(pk__in=wanted).update(read_at=timezone.now())


def notification_repeats(notification: Notification):
    """The notifications one inbox entry stands for: the same kind about the same object (or with the
    same title when about no object) in the same inbox."""
    repeats = Notification.objects.filter(
        recipient_id=notification.recipient_id, organization_id=notification.organization_id, kind=notification.kind,
    )
    if notification.object_id:
        return repeats.filter(object_type=notification.object_type, object_id=notification.object_id)
    return repeats.filter(object_id="", title=notification.title)


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark everything unread in the actor's inbox read; returns how many were marked."""
    if not can_use_inbox(actor):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())


# --- how mail reaches a person ------------------------------------------------------------------
@transaction.atomic
def delivery_preference_update(*, actor, daily_digest: bool, email_enabled: bool) -> DeliveryPreference:
    """Set how the actor receives mail: each notification as it comes or one daily digest, or none."""
    if not can_change_delivery_preference(actor):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    preference = DeliveryPreference.objects.select_for_update().filter(person_id=actor.pk).first()
    before = snapshot(preference, PREFERENCE_AUDIT_FIELDS) if preference is not None else None
    if preference is None:
        preference = DeliveryPreference(person_id=actor.pk)
    preference.daily_digest = bool(daily_digest)
    preference.email_enabled = bool(email_enabled)
    try:
        preference.full_clean()
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    after = snapshot(preference, PREFERENCE_AUDIT_FIELDS)
    if before == after:
        return preference
    preference.save()
    record_event(
        actor=actor, action="notification_preference.update", obj=preference,
        before=before, after=snapshot(preference, PREFERENCE_AUDIT_FIELDS),
        organization_id=actor.organization_id,
    )
    return preference
