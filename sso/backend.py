"""mozilla-django-oidc, one provider per request.

The library reads its configuration through ``get_settings``; here that answers from the provider the
sign-in was started with (``request.sso_provider``, set by ``sso.views.SsoCallbackView``) and from its
discovery document. The library does the code exchange, PKCE, state, nonce and signature checks; we
add the ID token's issuer and audience checks it leaves out, and hand the claims to ``sso.services``.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from . import services
from .discovery import DiscoveryError, ProviderMetadata, provider_metadata
from .models import SsoProvider


def provider_settings(provider: SsoProvider | None, meta: ProviderMetadata | None) -> dict:
    """mozilla-django-oidc's settings for one provider (None before the provider is known)."""
    common = {
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_VERIFY_SSL": True,
        "OIDC_TIMEOUT": settings.SSO_HTTP_TIMEOUT,
    }
    if provider is None or meta is None:
        return common
    return {
        **common,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": meta.authorization_endpoint,
        "OIDC_OP_TOKEN_ENDPOINT": meta.token_endpoint,
        "OIDC_OP_USER_ENDPOINT": meta.userinfo_endpoint,
        "OIDC_OP_JWKS_ENDPOINT": meta.jwks_uri,
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": provider.sign_algo,
        "OIDC_RP_SCOPES": provider.scopes,
    }


def lookup(values: dict, attr: str, *args):
    """``get_settings`` for the library's classes: this provider's values, then Django's settings. Until
    the provider is known (in the library's ``__init__``) its endpoints and client are None."""
    if attr in values:
        return values[attr]
    if attr.startswith(("OIDC_OP_", "OIDC_RP_")):
        return args[0] if args else None
    return import_from_settings(attr, *args)


class SsoBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        self._settings = provider_settings(None, None)
        super().__init__(*args, **kwargs)

    def get_settings(self, attr, *args):  # the library's staticmethod, answered per provider
        return lookup(self._settings, attr, *args)

    def authenticate(self, request, **kwargs):
        provider = getattr(request, "sso_provider", None)
        if provider is None:  # a password sign-in, or a callback our own view did not vouch for
            return None
        try:
            self.meta = provider_metadata(provider)
        except DiscoveryError as exc:
            raise SuspiciousOperation(str(exc)) from exc
        self.provider = provider
        self._settings = provider_settings(provider, self.meta)
        for attr in (
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_RP_CLIENT_ID",
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_RP_SIGN_ALGO",
        ):
            setattr(self, attr, self._settings[attr])
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != self.meta.issuer:
            raise SuspiciousOperation(f"ID token from another issuer: {payload.get('iss')!r}")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.provider.client_id not in audiences:
            raise SuspiciousOperation("ID token for another client.")
        if len(audiences) > 1 and payload.get("azp") != self.provider.client_id:
            raise SuspiciousOperation("ID token authorised for another client.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        try:
            claims = services.claims_from(
                provider=self.provider, issuer=self.meta.issuer, id_token=payload, userinfo=userinfo
            )
            return services.sso_sign_in(provider=self.provider, claims=claims, now=timezone.now())
        except services.SsoRefused as exc:
            # authenticate() turns PermissionDenied into "nobody"; the view shows the person why.
            self.request.sso_refusal = str(exc)
            raise
