"""Pages for someone whose password an administrator reset: only the change-password page, until done."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

# Paths a person who must change their password may still open (the API checks in `auth.py`).
ALWAYS_OPEN_PREFIXES = ("/api/", "/static/", "/i18n/", "/jsi18n/", "/logout/", "/media/")


class PasswordChangeRequiredMiddleware:
    """Send a signed-in person with `must_change_password` to the change-password page from anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            target = reverse("org:password-change")
            if request.path != target and not request.path.startswith(ALWAYS_OPEN_PREFIXES):
                return redirect(target)
        return self.get_response(request)
