"""The bell in the top bar: how many unread notifications the signed-in person has."""

from django.urls import NoReverseMatch, reverse

from .models import Notification


def inbox(request):
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated:
        return {}
    try:
        url = reverse("notifications:inbox")
    except NoReverseMatch:
        return {}
    return {"inbox_url": url, "inbox_unread": Notification.objects.visible_to(person).unread().count()}
