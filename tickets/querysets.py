"""Named queries, defined once and composed everywhere (the Wagtail ``live_q()`` pattern)."""

from datetime import datetime

from django.db import models
from django.db.models import Q

OPEN_STATUSES = ("new", "open", "waiting")


class TicketQuerySet(models.QuerySet):
    @staticmethod
    def open_q() -> Q:
        return Q(status__in=OPEN_STATUSES)

    def open(self) -> "TicketQuerySet":
        return self.filter(self.open_q())

    def visible_to(self, user) -> "TicketQuerySet":
        """The one permission check for tickets: HTML views, API, downloads and admin use it.

        Staff see everything; a customer sees their own tickets, tickets they are copied on, and
        their organization's tickets where the organization shares them; anyone else sees nothing.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self
        own = Q(requester_id=user.pk) | Q(pk__in=self._cc_ids(user))
        org_id = user.organization_id
        if org_id is not None and user.organization.shares_tickets:
            return self.filter(Q(organization_id=org_id) | own)
        return self.filter(own)

    @staticmethod
    def _cc_ids(user):
        from .models import Ticket

        return Ticket.cc.through.objects.filter(user_id=user.pk).values("ticket_id")

    def due_before(self, ts: datetime) -> "TicketQuerySet":
        return self.filter(
            Q(first_responded_at__isnull=True, first_response_due_at__lte=ts)
            | Q(resolved_at__isnull=True, resolution_due_at__lte=ts)
        )

    def first_response_breached(self, now: datetime) -> "TicketQuerySet":
        return self.filter(
            Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
            | Q(first_responded_at__gt=models.F("first_response_due_at"))
        )
