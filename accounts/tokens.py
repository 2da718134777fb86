"""API tokens: issue, look up, revoke. Only a SHA-256 of each key is stored.

A key is 40 hexadecimal characters, sent as ``Authorization: Token <key>``. It lives
``API_TOKEN_TTL_DAYS`` days (30 unless configured), and stops working at once when its owner or an
admin revokes it. A person holds at most ``MAX_LIVE_TOKENS`` live keys; issuing one more revokes the
oldest.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from . import two_factor
from .identity import UNVERIFIED_DETAIL, is_verified
from .models import ApiToken, User

MAX_LIVE_TOKENS = 10
# last_used_at is written at most this often, so a busy integration does not write on every call.
USAGE_RESOLUTION = timedelta(minutes=5)


class TokenRefused(Exception):
    """An account that may not hold an API token (not verified, not active)."""


class SecondFactorRequired(TokenRefused):
    """The account signs in with a second factor: a key needs a current code too (``otp``)."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ttl() -> timedelta:
    return timedelta(days=settings.API_TOKEN_TTL_DAYS)


@transaction.atomic
def token_issue(
    *, user: User, now: datetime, name: str = "", otp: str | None = None, at_the_server: bool = False
) -> tuple[ApiToken, str]:
    """A new key for ``user``: returns the stored row and the key, which is never shown again.

    Someone who needs a second factor (``accounts.two_factor``) gets a key only with a current code
    (``otp``: from the app, or a recovery code, which is spent), unless an operator issues it at the
    server's shell (``at_the_server``: the ``api_token`` command).
    """
    if not is_verified(user):
        raise TokenRefused(UNVERIFIED_DETAIL)
    if not at_the_server and two_factor.needs_second_factor(user):
        if not user.two_factor_enabled:
            raise SecondFactorRequired(
                "Your account must use two-factor sign-in: sign in to the portal once to set it up, "
                "then ask for a key with a code."
            )
        if not otp or two_factor.verify_code(user=user, code=otp) is None:
            raise SecondFactorRequired(
                "Send a current code from your authenticator app (or a recovery code) as `otp`."
            )
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issue at a time per person
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        prefix=key[:8],
        name=name.strip()[:100],
        created_at=now,
        expires_at=now + ttl(),
    )
    extra = live_tokens(user=user, now=now).values_list("pk", flat=True)[MAX_LIVE_TOKENS:]
    ApiToken.objects.filter(pk__in=list(extra)).update(revoked_at=now)
    return token, key


def live_tokens(*, user: User, now: datetime):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).order_by(
        "-created_at", "-pk"
    )


def token_for_key(*, key: str, now: datetime) -> ApiToken | None:
    """The live token with this key, or ``None`` (unknown, expired, revoked, or its owner inactive)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is not None and (token.last_used_at is None or now - token.last_used_at > USAGE_RESOLUTION):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User, now: datetime) -> None:
    """Revoke one key: its owner, or an admin (staff with the permission, checked by the admin)."""
    if token.user_id != by.pk and not by.is_staff:
        raise PermissionError("Only the key's owner or an admin may revoke it.")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)


@transaction.atomic
def tokens_revoke_all(*, user: User, now: datetime) -> int:
    """Revoke every live key of ``user`` (their own "sign out everywhere", or an admin's)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
