"""What every page shares: sign-in required, scoped fetches, htmx fragments, errors onto forms."""

from __future__ import annotations

import decimal
import logging
import traceback
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.datastructures import MultiValueDictKeyError
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .access import get_for_actor
from .errors import ApplicationError, ErrorCode, from_django_validation

__all__ = [
    "REFUSALS_AS_404", "error_page", "form_error", "get_for_actor", "page", "raise_if_hidden", "render_page",
    "require", "safe_next",
]

logger = logging.getLogger(__name__)

# Service refusals a page re-raises instead of showing on its form: a step someone may not take, on
# an object they may not see, does not exist for them (the `page` decorator answers 404).
REFUSALS_AS_404 = frozenset({ErrorCode.NOT_FOUND, ErrorCode.PERMISSION_DENIED})


def page(view):
    """Decorate every page view: sign-in required; an out-of-scope object or refused action is a 404."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            if exc.code in REFUSALS_AS_404:
                raise Http404(exc.message) from exc
            raise

    wrapped.dudao_page = True
    return wrapped


def raise_if_hidden(exc: ApplicationError) -> None:
    """In a page that shows a service's refusal on its form: a refusal that means "not yours to see
    or do" is raised on (`page` makes it a 404); any other returns, to be shown."""
    if exc.code in REFUSALS_AS_404:
        raise exc


def require(allowed: bool) -> None:
    """Pages answer 404, never 403: an action the person may not take does not exist for them."""
    if not allowed:
        raise Http404


def render_page(request, template: str, context: dict, *, partial: str | None = None, status: int = 200):
    """Render the full page, or only `partial` (templates/<app>/partials/_name.html) for htmx requests."""
    name = partial if partial and getattr(request, "htmx", False) else template
    return render(request, name, context, status=status)


def form_error(form, exc: ApplicationError) -> None:
    """Put a service refusal onto the form field it names (or the form as a whole)."""
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if fields:
        for name, messages in fields.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, exc.message)



def safe_next(request, candidate, default: str) -> str:
    """Where to go back to after a form: `candidate` (a posted or queried `next`) when it is a path on
    this site, else `default`. Only URLs, never URL names: `redirect("default")` would reverse it."""
    target = str(candidate or "")
    if (
        target.startswith("/") and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                            require_https=request.is_secure())
    ):
        return target
    return default


# What a page answers for an exception its view let through, as the API does for the same error
# (dudao.core.api): a refusal by its code, bad input 400 or 422, never a 500 with a traceback.
BAD_INPUT = (ValueError, OverflowError, decimal.InvalidOperation)


def error_page(request, exc: Exception):
    """The error page for `exc` (called by core.middleware.ErrorPageMiddleware), or None for an
    exception that is a bug (Django then answers 500 and logs the traceback)."""
    if isinstance(exc, ApplicationError):
        status = 404 if exc.code in REFUSALS_AS_404 else exc.status
        title = _("页面不存在") if status == 404 else _("输入有误") if status in (400, 422) else _("无法完成")
        message = "" if status == 404 else exc.message
    elif isinstance(exc, ValidationError):
        status, title, message = 422, _("输入有误"), from_django_validation(exc).message
    elif isinstance(exc, MultiValueDictKeyError):
        status, title = 400, _("请求无效")
        message = _("缺少字段:%(field)s") % {"field": str(exc.args[0]) if exc.args else ""}
    elif isinstance(exc, BAD_INPUT):
        status, title, message = 400, _("请求无效"), _("请求中有无法识别的值,请检查后重试。")
    else:
        return None
    # One line, not a traceback: bad input is the sender's fault; where it was caught helps a reader.
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    logger.warning(
        "%s %s answered %s: %s: %s%s", request.method, request.get_full_path()[:200], status,
        type(exc).__name__, str(exc)[:200], f" ({frame.filename}:{frame.lineno})" if frame else "",
    )
    if status == 404:
        return render(request, "404.html", {}, status=404)
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)
