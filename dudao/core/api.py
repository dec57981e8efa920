"""What every API module shares: the actor of a request, error mapping, pagination.

Endpoints never touch `Model.objects` directly for reads of a single object: they call
`get_for_actor` (404 when out of scope), and list endpoints start from `visible_to`.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

from .errors import ApplicationError, ErrorCode, from_django_validation

logger = logging.getLogger(__name__)


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=` -> `{"items": [...], "count": N}`, as DESIGN.md section 5 gives."""


def actor_of(request: HttpRequest):
    """The person making the request (set by the token or session authenticator)."""
    return request.auth


def _location(loc) -> str:
    """`("body", "payload", "code")` -> "code": the source and ninja's payload wrapper are not field names."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every error to `{"code", "message", "detail"}` with the right status."""

    def respond(request, error: ApplicationError):
        return api.create_response(request, error.as_dict(), status=error.status)

    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        if exc.code == ErrorCode.PERMISSION_DENIED:
            # An action a person may not take does not exist for them (DESIGN.md section 1).
            exc = ApplicationError(ErrorCode.NOT_FOUND, "Not found")
        return respond(request, exc)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_location(error.get("loc", ())), []).append(error.get("msg", "invalid"))
        name, messages = next(iter(fields.items()))
        return respond(
            request, ApplicationError(ErrorCode.VALIDATION, f"{name}: {messages[0]}", {"fields": fields})
        )

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request, exc: DjangoValidationError):
        return respond(request, from_django_validation(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, ApplicationError(ErrorCode.AUTHENTICATION, "Authentication required"))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, ApplicationError(ErrorCode.NOT_FOUND, str(exc) or "Not found"))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {401: ErrorCode.AUTHENTICATION, 403: ErrorCode.PERMISSION_DENIED, 404: ErrorCode.NOT_FOUND,
                413: ErrorCode.TOO_LARGE, 429: ErrorCode.LOCKED_OUT}.get(exc.status_code, ErrorCode.VALIDATION)
        error = ApplicationError(code, str(exc))
        return api.create_response(request, error.as_dict(), status=exc.status_code)
