from django.contrib.auth.backends import ModelBackend

from .models import Person


class PersonBackend(ModelBackend):
    """Username and password; inactive people and people of inactive organisations cannot sign in."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.organization.is_active

    def get_user(self, user_id):
        person = Person.objects.select_related("organization").filter(pk=user_id).first()
        if person is None or not self.user_can_authenticate(person):
            return None
        return person
