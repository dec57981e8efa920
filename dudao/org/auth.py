"""How people prove who they are: Bearer tokens for the API (sessions are Django's own)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from dudao.core.errors import ApplicationError, ErrorCode

from .models import ApiToken, Person

TOKEN_BYTES = 32


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token(person: Person) -> tuple[str, ApiToken]:
    """Create a token for `person`; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        person=person,
        key_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
    )
    return raw, token


def person_for_token(raw: str) -> tuple[Person, ApiToken] | None:
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("person", "person__organization")
        .filter(key_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_usable(now) or not token.person.organization.is_active:
        return None
    return token.person, token


# What a person who must change their password may still call: who am I, and change it.
PASSWORD_CHANGE_API_PATHS = frozenset({"/api/v1/me", "/api/v1/me/password"})


def require_own_password(request, person: Person) -> None:
    """After an administrator's reset, the API answers 403 `password_change_required` to everything
    but `/me` and `/me/password` until the person has chosen their own password."""
    if person.must_change_password and request.path.rstrip("/") not in PASSWORD_CHANGE_API_PATHS:
        raise ApplicationError(
            ErrorCode.PASSWORD_CHANGE_REQUIRED,
            _("管理员重置了你的密码:请先通过 POST /api/v1/me/password 设置自己的密码"),
        )


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`; expired, revoked or deactivated -> 401."""

    def authenticate(self, request, token: str):
        found = person_for_token(token)
        if found is None:
            return None
        person, api_token = found
        request.user = person
        request.api_token = api_token
        require_own_password(request, person)
        return person


class SessionAuth(APIKeyCookie):
    """The signed-in browser session (pages calling the API); CSRF is checked for writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # Without a session cookie there is nothing to protect from CSRF: the caller is anonymous.
        if not request.COOKIES.get(self.param_name):
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            require_own_password(request, user)
            return user
        return None
