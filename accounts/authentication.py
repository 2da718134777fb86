"""``Authorization: Token <key>`` for the API, checked against the stored hashes (``accounts.tokens``).

Its own module, importing only DRF's authentication base: DRF imports the classes named in
``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`` while it is itself being imported.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .locale import activate_for_request
from .tokens import token_for_key


class ApiTokenAuthentication(TokenAuthentication):
    """An unknown, expired or revoked key, or one whose owner is deactivated, is a 401."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:  # now the person is known: their language and zone, as on the web
            activate_for_request(request._request, found[0])
        return found

    def authenticate_credentials(self, key):
        token = token_for_key(key=key, now=timezone.now())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return (token.user, token)
