from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Sign in with an email address, case-insensitively.

    Runs the password hasher even when no user matches, so response time does not reveal which
    addresses have accounts.
    """

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        User = get_user_model()
        address = (email or username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not address or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=address)
        except User.DoesNotExist:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
