"""Who sent this mail, and where may it file? The email channel's door (see README "Email channel");
which ticket it may touch is ``threading.py``.

- Identity comes from a known contact address (a user with that address), never from a subject claim.
  A staff address is never an identity by From alone: staff are recognised only through a reply token
  bound to their own address (we mailed it to them).
- A ``Customer #`` claim from someone not on that organization's domain list files for triage, and the
  sender waits for staff; only known contacts of the organization are copied on a new ticket.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import ngettext_lazy

from accounts.models import Organization, User
from notifications.threading import is_our_message_id, message_domain
from sla.models import SupportPlan

from ..models import InboundEmail, SenderHold
from ..reasons import Reason
from .parse import ParsedEmail

TRIAGE_CUSTOMER_NUMBER = "UNKNOWN"
NEW_TICKET_WINDOW = timedelta(hours=1)  # the per-sender / per-domain limits on new tickets by mail count here


def known_sender(mail: ParsedEmail) -> User | None:
    if not mail.from_email:
        return None
    return User.objects.filter(email__iexact=mail.from_email).select_related("organization").first()


def from_failed_authentication(mail: ParsedEmail) -> bool:
    """Our own receiving server (``HELPDESK_MAIL_AUTHSERV_ID``) recorded a DMARC failure for the From
    domain. Only its verdict counts (a sender can write any Authentication-Results header), and only a
    failure is used: a pass is never an identity by itself."""
    authserv = (getattr(settings, "HELPDESK_MAIL_AUTHSERV_ID", "") or "").strip().lower()
    if not authserv:
        return False
    for value in mail.headers.get("authentication-results", []):
        if value.split(";", 1)[0].strip().lower() != authserv:
            continue
        if re.search(r"\bdmarc\s*=\s*fail\b", value, re.IGNORECASE):
            return True
    return False


def is_own_mail(mail: ParsedEmail, *, also: tuple[str, ...] = ()) -> bool:
    """Our own mail come back: from our reply or default From address (or ``also``: the support mailboxes'
    addresses, which send our mail when no ESP does), or with our Message-ID from our domain."""
    ours = {settings.HELPDESK_REPLY_ADDRESS.lower(), *(a.lower() for a in also)}
    from_default = re.search(r"[\w.+-]+@[\w.-]+", settings.DEFAULT_FROM_EMAIL)
    if from_default:
        ours.add(from_default.group(0).lower())
    if mail.from_email in ours:
        return True
    return is_our_message_id(mail.message_id) and mail.from_email.endswith("@" + message_domain().lower())


def domain_org(address: str) -> Organization | None:
    domain = address.rpartition("@")[2].lower()
    if not domain:
        return None
    # email_domains is a JSON list; a containment lookup is portable enough via a text match, then exact check.
    for org in Organization.objects.filter(email_domains__icontains=domain).exclude(
        customer_number=TRIAGE_CUSTOMER_NUMBER
    ):
        if domain in [d.lower() for d in org.email_domains]:
            return org
    return None


def known_contact(address: str, organization: Organization | None) -> bool:
    """A member of the organization, or an address on its domain list."""
    if organization is None or organization.customer_number == TRIAGE_CUSTOMER_NUMBER or not address:
        return False
    domain = address.rpartition("@")[2].lower()
    if domain in [d.lower() for d in organization.email_domains]:
        return True
    return User.objects.filter(email__iexact=address, organization=organization, is_active=True).exists()


def triage_org() -> Organization:
    """Where mail from nobody we can place is filed for staff (the row is made on first use)."""
    org = Organization.objects.filter(customer_number=TRIAGE_CUSTOMER_NUMBER).first()
    if org is None:
        org, _ = Organization.objects.get_or_create(
            customer_number=TRIAGE_CUSTOMER_NUMBER,
            defaults={
                "name": "Unknown senders (triage)",
                "plan": SupportPlan.default(),
                "shares_tickets": False,
            },
        )
    return org


def filing_organization(mail: ParsedEmail, sender: User | None, subject) -> tuple[Organization, bool, str]:
    """(organization to file under, whether the sender's claim is unverified, a note for staff).

    A known sender files under their own organization. An unknown sender on an organization's domain list
    joins it. A ``Customer #`` claim from anyone else files for triage under the claimed organization,
    and the sender waits for staff (a ``SenderHold``) as a non-member.
    """
    own = sender.organization if sender is not None else domain_org(mail.from_email)
    if own is not None:
        return own, False, ""
    claimed = None
    if subject.customer_number:
        claimed = (
            Organization.objects.filter(customer_number__iexact=subject.customer_number)
            .exclude(customer_number=TRIAGE_CUSTOMER_NUMBER)
            .first()
        )
    if claimed is None:
        return triage_org(), False, ""
    if (
        sender is not None
        and SenderHold.objects.filter(
            user=sender, organization=claimed, state=SenderHold.State.REJECTED
        ).exists()
    ):
        return triage_org(), False, f"claimed {claimed}; staff rejected this sender for it before"
    return (
        claimed,
        True,
        f"claimed {claimed} from an address not on its domain list: the sender is held for staff",
    )


def copied_contacts(mail: ParsedEmail, organization: Organization) -> tuple[list[str], list[str]]:
    """(copied on the ticket, left out): only known contacts of the organization get our mail, so one
    inbound mail cannot make us relay acknowledgements to a list of strangers."""
    ours = message_domain().lower()
    seen: list[str] = []
    for address in mail.to + mail.cc:
        if address.endswith("@" + ours) or address == mail.from_email or address in seen:
            continue
        seen.append(address)
    copied = [a for a in seen[:200] if known_contact(a, organization)]
    return copied[:20], [a for a in seen if a not in copied]


def over_new_ticket_limit(address: str, *, now: datetime) -> Reason | None:
    """Why this sender may not open another ticket by mail right now (a ``Reason``: staff read it in
    their language), or None."""
    made = InboundEmail.objects.filter(
        outcome=InboundEmail.Outcome.NEW_TICKET, received_at__gt=now - NEW_TICKET_WINDOW
    )
    per_sender = settings.HELPDESK_MAIL_NEW_TICKETS_PER_SENDER
    if per_sender and made.filter(sender=address.lower()).count() >= per_sender:
        return Reason(
            ngettext_lazy(
                "%(count)d new ticket by mail from %(address)s within an hour already",
                "%(count)d new tickets by mail from %(address)s within an hour already",
                "count",
            ),
            count=per_sender,
            address=address,
        )
    domain = address.rpartition("@")[2].lower()
    per_domain = settings.HELPDESK_MAIL_NEW_TICKETS_PER_DOMAIN
    if per_domain and domain and made.filter(sender__endswith="@" + domain).count() >= per_domain:
        return Reason(
            ngettext_lazy(
                "%(count)d new ticket by mail from @%(domain)s within an hour already",
                "%(count)d new tickets by mail from @%(domain)s within an hour already",
                "count",
            ),
            count=per_domain,
            domain=domain,
        )
    return None
