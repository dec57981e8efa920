"""Session rules that Django does not ship: an absolute 12-hour limit after sign-in."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

SESSION_AUTH_AT = "dudao_auth_at"


class AbsoluteSessionLimitMiddleware:
    """End a session SESSION_ABSOLUTE_AGE seconds after sign-in, however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_AUTH_AT)
            if started is None:
                request.session[SESSION_AUTH_AT] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect(settings.LOGIN_URL)
        return self.get_response(request)
