"""Retries that never duplicate: a client (a phone with a flaky network) sends its own id with a
create, and the same id from the same person gives back the first record instead of a second.

    mine = Incident.objects.filter(organization_id=actor.organization_id, reported_by=actor)
    client_id = clean_client_id(client_id)
    if (first := earlier(mine, client_id)) is not None:
        return first, False
    ...  # check, build `incident` with client_id=client_id
    incident, created = save_once(incident, mine)

The model keeps `client_id` under a unique constraint with its owner, so two retries racing each
other both pass `earlier` but only one insert lands; `save_once` hands the other the winner.
"""

from __future__ import annotations

from django.db import IntegrityError, models, transaction

from .errors import ApplicationError, ErrorCode

CLIENT_ID_LENGTH = 64


def clean_client_id(value) -> str:
    return str(value or "").strip()[:CLIENT_ID_LENGTH]


def earlier(mine: models.QuerySet, client_id: str) -> models.Model | None:
    """The record this client id already made among `mine` (the owner's records), if any."""
    return mine.filter(client_id=client_id).first() if client_id else None


def reused(message: str, field_message: str, **detail) -> ApplicationError:
    """The refusal of a client id sent again with other content (not a retry): 409 naming
    `client_id`, with what the first call made in `detail` (e.g. `attachment_id=`)."""
    return ApplicationError(ErrorCode.CONFLICT, message, {"fields": {"client_id": [field_message]}, **detail})


def save_once(obj: models.Model, mine: models.QuerySet) -> tuple[models.Model, bool]:
    """Insert `obj`; when a concurrent retry with the same client id inserted first, return that
    record instead (created False). Any other integrity error is raised."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        first = earlier(mine, obj.client_id)
        if first is None:
            raise
        return first, False
    return obj, True
