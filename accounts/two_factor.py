"""Two-factor sign-in (issue 21): an authenticator app (TOTP) plus single-use recovery codes, on
django-otp's ``otp_totp`` and ``otp_static`` devices.

The rule, decided here once:

- ``is_required(user)``: staff and superusers must use a second factor when
  ``HELPDESK_REQUIRE_2FA_FOR_STAFF`` is on (they set it up at their next sign-in).
- ``needs_second_factor(user)``: required, or set up by the person (``User.two_factor_enabled``, kept
  by the services below, so asking costs no query).
- ``session_satisfied(request)``: the signed-in session passed the second step (the device that
  took the code is recorded in the session by django-otp's ``login()``), or the account needs none.

Every way in asks it: the password sign-in and the sign-in link stop at a pending state and finish only
after a code (``pending_start`` / ``pending_finish``, used by ``accounts.views``); the admin's site
refuses an unsatisfied session (``helpdesk.admin_site``); the token endpoint's ``token_issue`` asks
for a code; and ``accounts.middleware.TwoFactorMiddleware`` turns any other signed-in session that
skipped the step (another sign-in channel, a session from before the rule) back into a pending one.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
PENDING_KEY = "two_factor_pending"
# How long after the password (or sign-in link) the code may follow.
PENDING_MAX_AGE = timedelta(minutes=10)
TOTP_CODE = re.compile(r"^\d{6}$")


class TwoFactorError(Exception):
    """A refused two-factor action, with a message fit to show the person."""


# --- The rule -------------------------------------------------------------------------------------


def is_required(user) -> bool:
    return bool(
        getattr(settings, "HELPDESK_REQUIRE_2FA_FOR_STAFF", False) and (user.is_staff or user.is_superuser)
    )


def needs_second_factor(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.two_factor_enabled or is_required(user))


def session_satisfied(request) -> bool:
    """django-otp's ``login()`` stores the device that took the code in the session (Django flushes
    the session when another person signs in on it); the device must still be this person's.

    django-otp's OTPMiddleware is not used: it installs ``user.is_verified()``, a name our User has
    already (a verified email address, ``accounts.identity``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not needs_second_factor(user):
        return True
    cached = getattr(request, "_two_factor_ok", None)
    if cached is None:
        device_id = request.session.get(DEVICE_ID_SESSION_KEY)
        device = Device.from_persistent_id(device_id) if device_id else None
        cached = bool(device is not None and device.user_id == user.pk and device.confirmed)
        request._two_factor_ok = cached
    return cached


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def verify_code(*, user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (a 6-digit app code, or a recovery code, which is spent), or None.

    A code goes to the kind of device it looks like, so a recovery code typed in does not count as a
    wrong app code in the app device's throttle (django-otp slows a device after each failure).
    """
    code = _clean(code)
    if not code:
        return None
    kind = TOTPDevice if TOTP_CODE.match(code) else StaticDevice
    for device in kind.objects.filter(user=user, confirmed=True):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def is_recovery_code(device: Device) -> bool:
    return isinstance(device, StaticDevice)


def code_throttled(*, user: User, code: str) -> bool:
    """Is django-otp's own brake holding the devices this code would go to (after a wrong one)?"""
    kind = TOTPDevice if TOTP_CODE.match(_clean(code)) else StaticDevice
    return any(not d.verify_is_allowed()[0] for d in kind.objects.filter(user=user, confirmed=True))


# --- Enrolment and recovery codes (every write) ----------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The app device being set up (not confirmed yet): the one shown as a QR code until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_restart(*, user: User) -> TOTPDevice:
    """Start over with a fresh secret (the old, unconfirmed one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: User, code: str, now: datetime) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app with a code it shows; returns the device and a fresh set of recovery codes,
    which are shown once (only django-otp's stored tokens remain, and each works once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise TwoFactorError(_("Start the set-up again: scan the new QR code."))
    if not TOTP_CODE.match(_clean(code)) or not device.verify_token(_clean(code)):
        raise TwoFactorError(
            _("That code did not match. Check the time on your phone and type the code the app shows now.")
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one app at a time
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=user)
    User.objects.filter(pk=user.pk).update(two_factor_enabled=True)
    user.two_factor_enabled = True
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """A new set of single-use recovery codes; the old set stops working."""
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(
        user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_disable(*, user: User, code: str) -> None:
    """The person turns it off, proving it with a current code; not allowed when it is required."""
    if is_required(user):
        raise TwoFactorError(
            _("Two-factor sign-in is required for staff accounts here; it cannot be turned off.")
        )
    if verify_code(user=user, code=code) is None:
        raise TwoFactorError(_("That code did not match."))
    _remove_devices(user)


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> None:
    """An admin removes a person's app and codes (a lost phone); a person who must use it sets it up
    again at the next sign-in."""
    if not (by.is_superuser or by.has_perm("accounts.change_user")):
        raise PermissionError("Only admins may reset someone's two-factor sign-in.")
    _remove_devices(user)


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(two_factor_enabled=False)
    user.two_factor_enabled = False


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code (a data: image: no script, no request to anyone)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return out.getvalue().decode()


def secret_base32(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- The door: a sign-in waiting for its second factor ----------------------------------------------


def pending_start(request, *, user: User, backend: str, next_url: str, now: datetime) -> None:
    """The first factor passed: remember who, without signing in (the session is not signed in)."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "u": user.pk,
        "b": backend,
        "h": user.get_session_auth_hash(),
        "at": now.timestamp(),
        "n": next_url,
    }


def pending_user(request, *, now: datetime) -> tuple[User, str] | None:
    """The person waiting to give a code, and where they were going; None if none, expired, or the
    password changed meanwhile."""
    data = request.session.get(PENDING_KEY)
    if (
        not isinstance(data, dict)
        or now.timestamp() - float(data.get("at", 0)) > PENDING_MAX_AGE.total_seconds()
    ):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), str(data.get("h", ""))):
        return None
    return user, str(data.get("n") or "/")


def pending_finish(request, *, user: User, device: Device) -> None:
    """The code matched: sign in, and mark the session as verified with that device."""
    data = request.session.pop(PENDING_KEY)
    auth_login(request, user, backend=data["b"])
    session_verified(request, device)


def session_verified(request, device: Device) -> None:
    """This signed-in session has shown the second factor with ``device``."""
    otp_login(request, device)
    request._two_factor_ok = True


def pending_from_session(request, *, now: datetime, next_url: str = "") -> None:
    """A signed-in session that skipped the second step: sign it out and make it a pending sign-in."""
    from django.contrib.auth import logout

    user = request.user
    backend = request.session.get(BACKEND_SESSION_KEY, settings.AUTHENTICATION_BACKENDS[0])
    next_url = next_url or (request.get_full_path() if request.method == "GET" else "/")
    pk = user.pk
    logout(request)
    fresh = User.objects.get(pk=pk)
    pending_start(request, user=fresh, backend=backend, next_url=next_url, now=now)
