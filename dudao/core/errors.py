"""One error type for the whole application, mapped once to the API's error shape."""

from enum import StrEnum
from typing import Any, NoReturn


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    AUTHENTICATION = "authentication_failed"
    LOCKED_OUT = "locked_out"
    TOO_LARGE = "file_too_large"
    UNSUPPORTED_FILE = "unsupported_file"
    POLICY_INVALID = "policy_invalid"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"


HTTP_STATUS = {
    ErrorCode.VALIDATION: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.AUTHENTICATION: 401,
    ErrorCode.LOCKED_OUT: 429,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_FILE: 422,
    ErrorCode.POLICY_INVALID: 422,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
}


class ApplicationError(Exception):
    """A refusal the user can act on: a stable code, a readable message, and details naming fields."""

    def __init__(self, code: ErrorCode, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.detail = detail

    @property
    def status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "detail": self.detail}


def validation_error(field: str, message: str) -> ApplicationError:
    """A refusal that names the field at fault, in the `detail` shape every form and client reads."""
    return ApplicationError(ErrorCode.VALIDATION, message, {"fields": {field: [str(message)]}})


def clean_text(value, field: str, *, limit: int, required: str | None = None) -> str:
    """Typed text, trimmed: refused naming the field when longer than `limit` characters, or when
    empty and `required` (the message to show) is given."""
    from django.utils.translation import gettext as _

    text = str(value or "").strip()
    if required and not text:
        raise validation_error(field, required)
    if len(text) > limit:
        raise validation_error(field, _("最多 %(n)s 字") % {"n": limit})
    return text


def from_django_validation(exc) -> ApplicationError:
    """Turn a Django ValidationError from full_clean() into the application's error shape."""
    if hasattr(exc, "message_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    first = next(iter(fields.items()))
    message = f"{first[0]}: {first[1][0]}" if first[0] != "__all__" else first[1][0]
    return ApplicationError(ErrorCode.VALIDATION, message, {"fields": fields})


def deny_permission() -> NoReturn:
    """Refuse (403) an action on an object the actor can see but may not change."""
    from django.utils.translation import gettext as _

    raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("没有权限执行此操作"))


def require_permission(allowed: bool) -> None:
    """`deny_permission()` unless `allowed`."""
    if not allowed:
        deny_permission()


def full_clean_or_refuse(obj, exclude=None, **options) -> None:
    """The model's own validation (`full_clean(exclude, **options)`); a failure becomes a 422 that
    names each field at fault."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude, **options)
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
