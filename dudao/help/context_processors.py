"""The 帮助 link in the top bar (base.html names no app's page; it is given this one's address)."""

from django.urls import NoReverseMatch, reverse


def help_link(request):
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated:
        return {}
    try:
        return {"help_url": reverse("help:index")}
    except NoReverseMatch:
        return {}
