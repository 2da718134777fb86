"""Who someone is, decided once: has this account proved it owns its address?

A customer account is created from an address and a customer number, which anyone who knows both can
type. Until the owner follows the link we mailed (or an invitation, a password-reset or a sign-in
link, which prove the same), the account sees nothing of its organization and files nothing itself.
Staff accounts are made by admins and count as verified.

Every door asks this one predicate: the portal's middleware (``accounts.middleware``), the API
(``accounts.api.VerifiedIdentityRequired``, and no token for an unverified account),
``Ticket.objects.visible_to`` and ``ticket_create``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

UNVERIFIED_DETAIL = _(
    "Verify your email address first: follow the link we emailed to you, or sign in to the portal "
    "and ask for a new one. Until then this account sees no tickets and cannot file any."
)


def is_verified(user) -> bool:
    """True for an active staff member or an active customer whose address is verified."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff or user.email_verified_at is not None)
