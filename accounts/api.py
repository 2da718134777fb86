"""The API's door: token authentication, the verified-identity gate, and the token endpoint.

``tickets.api`` mounts ``TokenView`` at ``/api/auth/token/`` and puts ``ApiTokenAuthentication``
(``accounts.authentication``) and ``VerifiedIdentityRequired`` on every view; the rules themselves
live in ``accounts.identity``, ``accounts.tokens`` and the authentication backend's throttle.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import throttle
from .authentication import ApiTokenAuthentication
from .backends import signin_throttled
from .identity import UNVERIFIED_DETAIL, is_verified
from .tokens import SecondFactorRequired, TokenRefused, token_issue, token_revoke, tokens_revoke_all

BAD_CREDENTIALS = _("Unable to sign in with these credentials.")
THROTTLED = _(
    "Too many sign-in attempts. Please wait {minutes} minutes and try again, or ask for a one-time "
    "sign-in link on the portal's sign-in page."
)


class EmailNotVerified(exceptions.PermissionDenied):
    default_detail = UNVERIFIED_DETAIL
    default_code = "email_not_verified"


class VerifiedIdentityRequired:
    """Mixed into every API view: a signed-in account whose address is not verified gets a 403 saying
    so, before any other permission is asked (anonymous callers still get the view's own 401)."""

    def check_permissions(self, request):
        user = request.user
        if user is not None and user.is_authenticated and not is_verified(user):
            raise EmailNotVerified()
        super().check_permissions(request)


class TokenThrottled(exceptions.Throttled):
    default_detail = format_lazy(THROTTLED, minutes=throttle.minutes(throttle.LOGIN))  # worded per request


# Named for what it holds: the class name would make the request component "TokenRequestRequest".
@extend_schema_serializer(component_name="Credentials")
class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=512, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="What the key is for."
    )
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="A current code from your authenticator app, or a recovery code: required when your "
        "account uses two-factor sign-in.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField(read_only=True)


ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="`detail` says why.")


class TokenView(APIView):
    """POST exchanges an email and password for a new key; DELETE revokes the key the call is made with
    (or, with ``?all=true``, every key of the caller)."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = []  # passwords go through the shared sign-in throttle (accounts.throttle)
    parser_classes = [JSONParser, FormParser]

    def perform_authentication(self, request):
        # Exchanging a password needs no prior identity: a stale key in the header must not 401 it.
        if request.method != "POST":
            request.user  # noqa: B018 (authenticates)

    def check_permissions(self, request):
        if request.method == "DELETE" and not (request.user and request.user.is_authenticated):
            self.permission_denied(request)
        super().check_permissions(request)

    @extend_schema(
        summary="Exchange an email and password for an API token",
        description="Each exchange issues a new key that expires (see `expires_at`). Sign-in attempts "
        "share the portal's throttle: per address and client, per address, per client. The same 400 "
        "answers an unknown address and a wrong password; an account whose address is not verified "
        "gets a 403 and no key. An account with two-factor sign-in also sends `otp` (a 400 on `otp` "
        "says it is missing or wrong).",
        # JSON only in the schema (one body type for generated clients); the view also takes a form post.
        request={"application/json": TokenRequestSerializer},
        responses={
            200: OpenApiResponse(
                TokenSerializer, description="A new key; send it as `Authorization: Token <token>`."
            ),
            400: ERROR,
            403: ERROR,
            429: ERROR,
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request, email=data["email"], password=data["password"])
        if user is None:
            if signin_throttled(request):
                raise TokenThrottled(wait=throttle.LOGIN.window)
            raise exceptions.ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
        try:
            token, key = token_issue(
                user=user, now=timezone.now(), name=data.get("name", ""), otp=data.get("otp") or None
            )
        except SecondFactorRequired as exc:
            # A wrong code counts against the sign-in throttle like a wrong password.
            throttle.hit(throttle.LOGIN, account=data["email"], ip=throttle.client_ip(request))
            raise exceptions.ValidationError({"otp": [str(exc)]}, code="otp_required") from None
        except TokenRefused as exc:
            raise EmailNotVerified(str(exc)) from None
        return Response(
            {"token": key, "expires_at": serializers.DateTimeField().to_representation(token.expires_at)}
        )

    @extend_schema(
        summary="Revoke your API token",
        description="Revokes the key sent in `Authorization`; with `all=true`, every key you hold.",
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL, description="Revoke every key you hold.")],
        request=None,
        responses={204: None, 400: ERROR},
    )
    def delete(self, request):
        now = timezone.now()
        if request.query_params.get("all", "").lower() in ("1", "true", "yes"):
            tokens_revoke_all(user=request.user, now=now)
        elif request.auth is not None and hasattr(request.auth, "key_hash"):
            token_revoke(token=request.auth, by=request.user, now=now)
        else:
            return Response(
                {"detail": "Send the key to revoke in `Authorization: Token <key>`, or use `?all=true`."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
