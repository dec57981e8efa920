"""What every page shares: sign-in required, scoped fetches, htmx fragments, errors onto forms."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .access import get_for_actor
from .errors import ApplicationError, ErrorCode

__all__ = ["REFUSALS_AS_404", "get_for_actor", "page", "raise_if_hidden", "render_page", "form_error", "require"]

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

