"""What every API view shares: authentication, throttling and JSON parsing (``ApiMixin``), the
documented error answers, and the 409 a service's refusal becomes."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser

from accounts.api import VerifiedIdentityRequired
from accounts.authentication import ApiTokenAuthentication

from ...services import TicketError
from ..throttling import WriteThrottle


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The ticket's current state does not allow this.")
    default_code = "conflict"


ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: field name -> list of messages."),
    409: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Refused by the ticket's current state (`detail`)."
    ),
}
TICKET_OK = "The ticket as it is now."


def ok(serializer, description: str) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


class ApiMixin(VerifiedIdentityRequired):  # an unverified account gets a 403 saying so, everywhere
    # Token first, so an anonymous call is answered 401 with `WWW-Authenticate: Token`.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    throttle_classes = [WriteThrottle]
    # JSON in, so each operation has one request body type in the schema and a generated client
    # sends nested objects and nulls as they are (uploads override this with multipart).
    parser_classes = [JSONParser]

    def now(self):
        return timezone.now()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = self.now()
        return context


class TicketConflicts:
    """Turn a service's refusal on an existing ticket into a 409 with its message."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, TicketError):
            raise Conflict(str(exc)) from exc
        return False
