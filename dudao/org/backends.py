from django.contrib.auth.backends import ModelBackend


class PersonBackend(ModelBackend):
    """Username and password; inactive people and people of inactive organisations cannot sign in."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.organization.is_active

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and not user.organization.is_active:
            return None
        return user
