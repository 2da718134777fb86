"""Every write to accounts: sign-up, email verification, invitations.

Tokens are signed with the project's secret (``django.core.signing``), carry the address they were
issued for, and expire. Account emails go out after the transaction commits. Messages shown to the
person signing up never say whether an address already has an account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .locale import rendering_for, valid_zone
from .models import Invitation, Organization, User, validate_languages

VERIFY_SALT = "accounts.email-verification"
INVITE_SALT = "accounts.invitation"
LOGIN_LINK_SALT = "accounts.login-link"
VERIFY_MAX_AGE = timedelta(days=3)
INVITE_MAX_AGE = timedelta(days=14)
LOGIN_LINK_MAX_AGE = timedelta(minutes=15)


class AccountError(Exception):
    """A refused account action, with a message fit to show the person who tried it."""


def _send(template: str, *, to: str, context: dict, reader: User) -> None:
    """Render in ``reader``'s language and zone (``accounts.locale``), send once the transaction commits."""
    context = {"helpdesk_name": settings.HELPDESK_NAME, "site_url": settings.SITE_URL, **context}
    with rendering_for(reader):
        subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
        body = render_to_string(f"accounts/email/{template}.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


def _normalise(email: str) -> str:
    return (email or "").strip().lower()


def email_domain(email: str) -> str:
    return _normalise(email).rpartition("@")[2]


def organization_for_signup(*, customer_number: str, email: str) -> Organization | None:
    """The organization whose customer number this is, if the address is on one of its domains."""
    org = Organization.objects.filter(customer_number__iexact=(customer_number or "").strip()).first()
    if org is None:
        return None
    domains = {d.strip().lower().lstrip("@") for d in org.email_domains or []}
    return org if email_domain(email) in domains else None


def verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def verification_send(*, user: User) -> None:
    url = settings.SITE_URL + reverse("accounts:verify_email", args=[verification_token(user)])
    _send(
        "verify", to=user.email, reader=user, context={"user": user, "url": url, "days": VERIFY_MAX_AGE.days}
    )


SIGNUP_NO_MATCH = (
    "We could not match that customer number with that email address. Check both, use your address on "
    "your organization's email domain, or ask a colleague who administers your account for an invitation."
)


def _spend_a_hash(password: str) -> None:
    # Every sign-up answer costs exactly one password hash, so its time tells nothing (see signup_request).
    User().set_password(password)


@transaction.atomic
def signup_request(*, email: str, full_name: str, password: str, customer_number: str, now: datetime) -> None:
    """A sign-up form sent: create the account, or tell the address's owner they have one, or refuse.

    The answers an outsider can see are two: "check your email" (whether or not the address already
    had an account) and ``SIGNUP_NO_MATCH`` (the same words for a wrong customer number and for an
    address off the organization's domains, so the form is no customer-number oracle). Each path
    hashes the password once, so the time taken does not tell them apart either. The caller throttles.
    """
    organization = organization_for_signup(customer_number=customer_number, email=email)
    if organization is None:
        _spend_a_hash(password)
        raise AccountError(SIGNUP_NO_MATCH)
    customer_signup(email=email, full_name=full_name, password=password, organization=organization, now=now)


@transaction.atomic
def customer_signup(
    *, email: str, full_name: str, password: str, organization: Organization, now: datetime
) -> User | None:
    """Create an unverified customer and mail the verification link.

    If the address already has an account, nothing is created and that address is told how to sign
    in or reset its password instead; the caller shows the same "check your email" page either way.
    The password rules are asked first either way, and either way one hash is computed.
    """
    email = _normalise(email)
    validate_password(password, user=User(email=email, full_name=full_name))
    existing = User.objects.filter(email__iexact=email).select_related("organization").first()
    if existing is not None:
        _spend_a_hash(password)
        _send(
            "already_registered",
            to=email,
            reader=existing,
            context={
                "login_url": settings.SITE_URL + reverse("login"),
                "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
            },
        )
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip(), organization=organization
            )
    except IntegrityError:  # a concurrent sign-up with the same address won the race
        return None
    verification_send(user=user)
    return user


def email_mark_verified(*, user: User, now: datetime) -> None:
    """The address is proved by a link we mailed to it (verification, password reset, sign-in link)."""
    if user.email_verified_at is None:
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
        user.email_verified_at = now


@transaction.atomic
def email_verify(*, token: str, now: datetime) -> User:
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise AccountError(_("This verification link has expired. Sign in and ask for a new one.")) from None
    except signing.BadSignature:
        raise AccountError(_("This verification link is not valid.")) from None
    user = User.objects.filter(pk=data.get("u"), email__iexact=data.get("e", "")).first()
    if user is None:
        raise AccountError(_("This verification link is not valid."))
    email_mark_verified(user=user, now=now)
    user.refresh_from_db()
    return user


# --- One-time sign-in links: the owner's way in while password sign-in is throttled -----------------


def _login_state(user: User) -> str:
    # Changes when the person signs in (last_login) or changes password: a used link is dead.
    value = f"{user.pk}|{user.password}|{user.last_login and user.last_login.timestamp()}|{user.email}"
    return salted_hmac(LOGIN_LINK_SALT, value).hexdigest()[:32]


def login_link_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _login_state(user)}, salt=LOGIN_LINK_SALT)


def login_link_send(*, email: str) -> None:
    """Mail a one-time sign-in link to ``email`` if an active account has it; say nothing either way.

    The caller throttles requests per address and client, as for password reset, and shows the same
    page whether or not an account exists.
    """
    user = User.objects.filter(email__iexact=_normalise(email), is_active=True).first()
    if user is None:
        return
    url = settings.SITE_URL + reverse("accounts:login_link_use", args=[login_link_token(user)])
    minutes = int(LOGIN_LINK_MAX_AGE.total_seconds() // 60)
    _send("login_link", to=user.email, reader=user, context={"user": user, "url": url, "minutes": minutes})


def _login_link_data(token: str) -> dict:
    try:
        return signing.loads(token, salt=LOGIN_LINK_SALT, max_age=LOGIN_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise AccountError(_("This sign-in link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise AccountError(_("This sign-in link is not valid.")) from None


def _login_link_account(users, data: dict) -> User:
    user = users.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not constant_time_compare(_login_state(user), str(data.get("s", ""))):
        raise AccountError(
            "This sign-in link has been used already or is no longer valid. Ask for a new one."
        )
    return user


def login_link_user(*, token: str) -> User:
    """The account a sign-in link is for, if the link is genuine, recent and not used yet."""
    return _login_link_account(User.objects.all(), _login_link_data(token))


@transaction.atomic
def login_link_use(*, token: str, now: datetime) -> User:
    """Spend a sign-in link: the account it is for, its address now proved. Works once."""
    user = _login_link_account(User.objects.select_for_update(), _login_link_data(token))
    user.last_login = now  # spends the link: its state no longer matches
    user.save(update_fields=["last_login"])
    email_mark_verified(user=user, now=now)
    return user


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITE_SALT)


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, by: User, now: datetime) -> Invitation:
    """An organization admin invites a colleague; the invitee gets a signed, single-use link."""
    if not (by.is_org_admin and by.organization_id == organization.pk) and not by.is_staff:
        raise AccountError(_("Only your organization's admins can invite colleagues."))
    email = _normalise(email)
    if organization.members.filter(email__iexact=email).exists():
        raise AccountError(
            _("%(email)s is already a member of %(org)s.") % {"email": email, "org": organization.name}
        )
    invitation = Invitation.objects.create(organization=organization, email=email, invited_by=by)
    url = settings.SITE_URL + reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
    _send(
        "invitation",
        to=email,
        reader=User(organization=organization),  # not a member yet: reads as one who chose nothing
        context={
            "invitation": invitation,
            "organization": organization,
            "by": by,
            "url": url,
            "days": INVITE_MAX_AGE.days,
        },
    )
    return invitation


def invitation_for_token(*, token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=INVITE_MAX_AGE)
    except signing.SignatureExpired:
        raise AccountError(_("This invitation has expired. Ask your colleague to send a new one.")) from None
    except signing.BadSignature:
        raise AccountError(_("This invitation link is not valid.")) from None
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(pk=data.get("i"), email__iexact=data.get("e", ""))
        .first()
    )
    if invitation is None:
        raise AccountError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise AccountError(_("This invitation has already been used. Sign in instead."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str, now: datetime) -> User:
    """Create the invited colleague's account, verified (the link proved the address), once."""
    invitation = invitation_for_token(token=token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountError(_("An account with this address exists already. Sign in, or reset your password."))
    validate_password(password, user=User(email=invitation.email, full_name=full_name))
    # Claim the invitation before creating anything: a double submit creates one account.
    if not Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=now):
        raise AccountError(_("This invitation has already been used. Sign in instead."))
    return User.objects.create_user(
        email=invitation.email,
        password=password,
        full_name=full_name.strip(),
        organization=invitation.organization,
        email_verified_at=now,
    )


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    phone: str,
    language: str,
    time_zone: str,
    languages: list[str] | None = None,
) -> User:
    """Name, phone, and the language and zone the person reads in (empty: the organization's or browser's);
    for staff also the languages they answer tickets in (``None``: left as they are)."""
    if language and language not in dict(settings.LANGUAGES):
        raise AccountError(_("Not a language this desk speaks."))
    if time_zone and valid_zone(time_zone) is None:
        raise AccountError(_("Not a known time zone."))
    fields = ["full_name", "phone", "language", "time_zone"]
    if languages is not None:
        if not user.is_staff:
            raise AccountError(_("Only staff answer tickets in languages."))
        try:
            validate_languages(languages)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages)) from exc
        user.languages = languages
        fields.append("languages")
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=fields)
    return user
