"""The one place a password is checked, so every way to present one is throttled the same way.

The web sign-in, the admin's sign-in and the API's token exchange all call
``django.contrib.auth.authenticate(request, ...)``, which comes here. Before the password is checked
the shared throttle is asked (``accounts.throttle.LOGIN``); a failure is counted; a success clears that
client's failures for that address. A refusal by the throttle looks like any other failure to
``authenticate()`` (it returns ``None``); callers that want to say "too many attempts" ask
``signin_throttled(request)``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle

_THROTTLED = "_signin_throttled"


class SignInThrottled(PermissionDenied):
    """Raised to ``authenticate()``, which then tries no other backend and returns ``None``."""


def signin_throttled(request) -> bool:
    """Was the last ``authenticate()`` on this request refused by the throttle (not by the password)?"""
    return bool(getattr(request, _THROTTLED, False))


class EmailBackend(ModelBackend):
    """Sign in with an email address, case-insensitively.

    Runs the password hasher even when no user matches, so response time does not reveal which
    addresses have accounts.
    """

    def get_user(self, user_id):
        """The signed-in person with their organization in the same query: every request asks the
        organization for its default language and zone (``accounts.locale``), and most pages show it."""
        User = get_user_model()
        user = User._default_manager.select_related("organization").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        User = get_user_model()
        address = (email or username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not address or password is None:
            return None
        ip = throttle.client_ip(request)
        if throttle.is_blocked(throttle.LOGIN, account=address, ip=ip):
            if request is not None:
                setattr(request, _THROTTLED, True)
            # The correct password is refused too: after the limit, a right guess looks like a wrong one.
            raise SignInThrottled("Too many sign-in attempts.")
        user = self._check(User, address, password)
        if user is None:
            throttle.hit(throttle.LOGIN, account=address, ip=ip)
            return None
        throttle.reset_pair(throttle.LOGIN, account=address, ip=ip)
        return user

    def _check(self, User, address: str, password: str):
        try:
            user = User.objects.get(email__iexact=address)
        except User.DoesNotExist:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
