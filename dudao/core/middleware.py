"""Request rules Django does not ship: an absolute 12-hour session limit, Chinese-first language."""

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
