"""Who a provider's answer signs in: the one place that links, creates and updates SSO accounts.

The rule (README, "Single sign-on"):

1. A known (issuer, subject) pair signs in the account it was linked to, if that account is still active
   and still of the provider's kind (staff for a staff provider; a member of the provider's organization
   for an organization's provider).
2. Anything else needs the provider to assert a *verified* address (``email_verified`` true) on one of
   the provider's *trusted domains*. An unverified address, or one on a domain the provider does not
   speak for, is refused: otherwise whoever controls an identity provider could claim any local account.
3. An existing account with that address is linked only when it is of the provider's kind: a staff
   provider never links a customer, an organization's provider never links staff or another
   organization's customer.
4. Otherwise a new account is made just in time: staff with the mapped roles, or a customer of the
   provider's organization whose address counts as verified (``accounts.identity``).
5. Staff roles and mapped teams follow the provider's claims at every sign-in; a staff member for whom
   no role is mapped is refused (the provider says they have no desk role).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import services as account_services
from accounts.models import Role, Team, User

from .models import SsoIdentity, SsoProvider

log = logging.getLogger(__name__)

STAFF_ROLES = (Role.TECHNICIANS, Role.TEAM_LEADS, Role.ADMINS)
ORG_ADMIN = "org_admin"


class SsoRefused(PermissionDenied):
    """The provider's answer does not sign anyone in here; the message is shown to the person."""


@dataclass(frozen=True)
class SsoClaims:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]


def _values(raw) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return tuple(v for v in raw.replace(",", " ").split() if v)
    if isinstance(raw, list | tuple):
        return tuple(str(v) for v in raw)
    return ()


def _truthy(raw) -> bool:
    # Some providers send the string "true"; anything else (missing, "false", 0) is not verified.
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def claims_from(*, provider: SsoProvider, issuer: str, id_token: dict, userinfo: dict) -> SsoClaims:
    """Combine the verified ID token and the userinfo answer (whose subject must be the token's)."""
    subject = str(id_token.get("sub") or "")
    if not subject or str(userinfo.get("sub", subject)) != subject:
        raise SsoRefused("Your identity provider's answer did not name the same person twice.")
    merged = {**id_token, **userinfo}
    return SsoClaims(
        issuer=issuer,
        subject=subject,
        email=str(merged.get("email") or "").strip().lower(),
        email_verified=_truthy(merged.get("email_verified")),
        name=str(merged.get("name") or "").strip()[:150],
        roles=_values(merged.get(provider.roles_claim)) if provider.roles_claim else (),
        teams=_values(merged.get(provider.teams_claim)) if provider.teams_claim else (),
    )


def _of_providers_kind(user: User, provider: SsoProvider) -> bool:
    if provider.for_staff:
        return user.is_staff
    return not user.is_staff and user.organization_id == provider.organization_id


def _mapped(provider: SsoProvider, values: tuple[str, ...]) -> set[str]:
    return {str(provider.role_map[v]) for v in values if v in provider.role_map}


@transaction.atomic
def sso_sign_in(*, provider: SsoProvider, claims: SsoClaims, now: datetime) -> User:
    """Find, link or create the account this provider's answer names, and bring its roles up to date."""
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=claims.issuer, subject=claims.subject)
        .first()
    )
    roles = _mapped(provider, claims.roles)
    staff_roles = [r for r in STAFF_ROLES if r in roles]
    if provider.for_staff and not staff_roles:
        raise SsoRefused("Your identity provider gives you no role on this help desk.")

    if identity is not None:
        user = identity.user
        if not user.is_active or not _of_providers_kind(user, provider):
            raise SsoRefused("This account cannot sign in with this provider.")
    else:
        user = _link_or_create(provider=provider, claims=claims, now=now)
        identity = SsoIdentity.objects.create(
            user=user,
            provider=provider,
            issuer=claims.issuer,
            subject=claims.subject,
            email=claims.email,
            created_at=now,
            last_login_at=now,
        )
        log.info("sso: linked %s to %s at %s", user.email, claims.subject, claims.issuer)

    SsoIdentity.objects.filter(pk=identity.pk).update(last_login_at=now, provider=provider)
    if provider.for_staff:
        _sync_staff(user=user, provider=provider, roles=staff_roles, teams=claims.teams)
    elif ORG_ADMIN in provider.role_map.values():
        is_admin = ORG_ADMIN in roles
        if user.is_org_admin != is_admin:
            user.is_org_admin = is_admin
            user.save(update_fields=["is_org_admin"])
    return user


def _link_or_create(*, provider: SsoProvider, claims: SsoClaims, now: datetime) -> User:
    if not claims.email or not claims.email_verified:
        raise SsoRefused(
            "Your identity provider did not confirm your email address, so we cannot sign you in."
        )
    if not provider.trusts(claims.email):
        raise SsoRefused(f"{provider.name} does not sign in addresses on that domain here.")
    existing = User.objects.filter(email__iexact=claims.email).first()
    if existing is not None:
        if not existing.is_active or not _of_providers_kind(existing, provider):
            raise SsoRefused(
                "An account with this address exists and cannot be signed in with this provider."
            )
        if not provider.for_staff:
            # The provider verified the address on a domain it speaks for: as good as our mailed link.
            account_services.email_mark_verified(user=existing, now=now)
        return existing
    if provider.for_staff:
        return User.objects.create_user(claims.email, full_name=claims.name, is_staff=True)
    return User.objects.create_user(
        claims.email,
        full_name=claims.name,
        organization=provider.organization,
        email_verified_at=now,
    )


def _sync_staff(*, user: User, provider: SsoProvider, roles: list[str], teams: tuple[str, ...]) -> None:
    if not user.is_staff:  # only reachable if an admin changed the account since it was linked
        raise SsoRefused("This account cannot sign in with this provider.")
    wanted = {Group.objects.get_or_create(name=name)[0] for name in roles}
    current = set(user.groups.filter(name__in=STAFF_ROLES))
    user.groups.remove(*(current - wanted))
    user.groups.add(*(wanted - current))
    managed = {str(name) for name in provider.team_map.values()}
    if not managed:
        return
    mine = {str(provider.team_map[v]) for v in teams if v in provider.team_map}
    for name in sorted(managed):
        team, _ = Team.objects.get_or_create(name=name)
        if name in mine:
            team.members.add(user)
        else:
            team.members.remove(user)


def provider_for_email(email: str) -> SsoProvider | None:
    """The customer provider of the organization whose email domains include this address's domain."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    # Few rows, and JSON containment is not portable to SQLite: filter in Python.
    for provider in SsoProvider.objects.for_customers().select_related("organization"):
        if domain in {str(d).lower() for d in provider.organization.email_domains}:
            return provider
    return None
