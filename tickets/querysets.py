"""Named queries, defined once and composed everywhere (the Wagtail ``live_q()`` pattern)."""

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce, Least

from accounts.identity import is_verified

OPEN_STATUSES = ("new", "open", "waiting")


@models.Field.register_lookup
class InSubqueryArray(models.Lookup):
    """``pk__in_array=<subquery>``: ``id = ANY(ARRAY(SELECT ...))`` on PostgreSQL.

    A plain ``id IN (SELECT ...)`` ORed with other conditions becomes a hashed sub-plan that PostgreSQL
    cannot combine in a BitmapOr, so ``visible_to`` fell back to scanning every ticket (1.2 s at a
    million). ``ARRAY(SELECT ...)`` is an init-plan evaluated once, and ``= ANY(array)`` is an index
    condition, so each arm of the OR is an index scan. Elsewhere it is the ordinary ``IN``.
    """

    lookup_name = "in_array"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


# Foreign keys keep their own lookups; the desk's team tab compares ``team_id`` and ``assignee_id`` this way.
models.ForeignKey.register_lookup(InSubqueryArray)


class TicketQuerySet(models.QuerySet):
    @staticmethod
    def open_q() -> Q:
        return Q(status__in=OPEN_STATUSES)

    def open(self) -> "TicketQuerySet":
        return self.filter(self.open_q())

    @staticmethod
    def escalated_q() -> Q:
        """Flagged for leadership by a customer (the desk's Escalated tab, the API's ``escalated=true``)."""
        return Q(escalated_at__isnull=False)

    def visible_to(self, user) -> "TicketQuerySet":
        """The one permission check for tickets: HTML views, API, downloads and admin use it.

        Staff see everything; a customer sees their own tickets, tickets they are copied on, and
        their organization's tickets where the organization shares them; anyone else, and any account
        whose address is not verified (``accounts.identity``), sees nothing.
        """
        arms = self.visible_arms(user)
        if arms is None:
            return self
        return self.filter(reduce(or_, arms)) if arms else self.none()

    @staticmethod
    def visible_arms(user, *, mine: bool = False) -> list[Q] | None:
        """``visible_to``'s rule as the conditions whose union is what ``user`` sees: None for staff
        (everything), [] for nobody; ``mine``: only what they filed or are copied on (the portal's tab).
        A list that reads each arm in its own index order (``selectors.customer_page``) asks this, so it
        cannot drift from the rule."""
        if not is_verified(user):  # anonymous, inactive, or an address not proved yet: nothing
            return []
        if user.is_staff:
            return None
        own = TicketQuerySet._own_arms(user)
        org_id = user.organization_id
        if not mine and org_id is not None and user.organization.shares_tickets:
            return [Q(organization_id=org_id), *own]
        return own

    def mine(self, user) -> "TicketQuerySet":
        """The tickets a customer filed or is copied on (the portal's "mine" tab)."""
        return self.filter(reduce(or_, self._own_arms(user)))

    @staticmethod
    def _own_arms(user) -> list[Q]:
        """What a customer filed, and what they are copied on."""
        return [Q(requester_id=user.pk), Q(pk__in_array=TicketQuerySet._cc_ids(user))]

    @staticmethod
    def _cc_ids(user):
        from .models import Ticket

        return Ticket.cc.through.objects.filter(user_id=user.pk).values("ticket_id")


def next_due_expression():
    """The earliest due time whose clock still runs: the technician queue's "due soonest" order.

    A paused resolution clock (waiting on the customer) does not count. Indexed as ``ticket_next_due_open``;
    the index only serves queries that spell the expression exactly like this, so use this function.
    """
    fr = Case(
        When(first_responded_at__isnull=True, then=F("first_response_due_at")),
        default=None,
        output_field=DateTimeField(),
    )
    res = Case(
        When(resolved_at__isnull=True, sla_paused_at__isnull=True, then=F("resolution_due_at")),
        default=None,
        output_field=DateTimeField(),
    )
    # LEAST ignores NULL on PostgreSQL but not on SQLite: coalesce each side with the other.
    return Least(Coalesce(fr, res), Coalesce(res, fr))
