"""Request rules Django does not ship: an absolute 12-hour session limit, Chinese-first language,
error pages for bad input (never a 500), and the Permissions-Policy header."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import check_for_language

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


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """zh-Hans unless the person chose another language with the switch (the language cookie).

    Browsers in Chinese offices often send English Accept-Language headers; the product speaks
    Chinese to everyone until asked otherwise.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) and chosen in dict(settings.LANGUAGES) \
            else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# Features the product uses: the phone's camera (evidence photos) and position (the inspection run
# screen records where a visit took place). Everything else powerful is off for every page.
PERMISSIONS_POLICY = ", ".join([
    "camera=(self)", "geolocation=(self)", "microphone=()", "payment=()", "usb=()", "serial=()",
    "hid=()", "midi=()", "magnetometer=()", "gyroscope=()", "accelerometer=()", "display-capture=()",
])


class PermissionsPolicyMiddleware:
    """Send PERMISSIONS_POLICY on every response (pages, API, static files served through Django)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ErrorPageMiddleware:
    """Pages answer a service refusal, a validation error or unparseable input with a readable 4xx
    page (core.views.error_page), the way the API answers them; the API maps its own errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        from .views import error_page

        return error_page(request, exception)
