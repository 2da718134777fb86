"""Named reads shared by the HTML views, the API and the timed jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from accounts.models import User, display_name_of

from . import policy
from .models import InboundEmail, Incident, RequestType, SavedView, SenderHold, Tag, Ticket, TicketTag


@dataclass(frozen=True)
class QueueCursor:
    """Keyset position in the queue: the last row's (priority_rank, received_at, id)."""

    priority_rank: int
    received_at: datetime
    id: int


def ticket_queue(*, agent, now: datetime, include_waiting: bool = False) -> QuerySet[Ticket]:
    """The one definition of "what to work next": open tickets by priority rank, then arrival.

    Served by the partial index ``ticket_queue_open`` on (priority_rank, received_at, id).
    """
    return (
        Ticket.objects.visible_to(agent)
        .filter(policy.queue_q(include_waiting=include_waiting))
        .select_related("organization", "plan", "priority", "assignee", "requester")
        .order_by("priority_rank", "received_at", "id")
    )


def queue_after(qs: QuerySet[Ticket], cursor: QueueCursor | None) -> QuerySet[Ticket]:
    """The rows after ``cursor`` in queue order.

    A row-value comparison, ``(priority_rank, received_at, id) > (...)``: PostgreSQL starts the scan of
    ``ticket_queue_open`` at the cursor, so a deep page costs what the first page costs. (The same
    condition spelled as ORs is only a filter: the scan then walks every row before the cursor.)
    """
    if cursor is None:
        return qs
    table = connection.ops.quote_name(Ticket._meta.db_table)
    columns = ", ".join(
        f"{table}.{connection.ops.quote_name(c)}" for c in ("priority_rank", "received_at", "id")
    )
    after = RawSQL(
        f"({columns}) > (%s, %s, %s)",
        (cursor.priority_rank, connection.ops.adapt_datetimefield_value(cursor.received_at), cursor.id),
        output_field=BooleanField(),
    )
    return qs.filter(after)


def customer_tickets(*, user, mine: bool = False) -> QuerySet[Ticket]:
    """What a customer sees in the portal, newest activity first; ``mine``: only what they filed or are
    copied on (the list's default tab)."""
    qs = Ticket.objects.visible_to(user)
    if mine:
        qs = qs.mine(user)
    return qs.select_related("priority", "assignee", "organization", "requester").order_by(
        "-last_activity_at", "-id"
    )


class PersonRow(NamedTuple):
    """What a list row shows of a person: their id, address and name (``display_name_of``)."""

    pk: int
    email: str
    display_name: str


def person_rows_attach(tickets: list[Ticket]) -> list[Ticket]:
    """Set each ticket's ``requester_row`` and ``assignee_row`` (None when unassigned) as ``PersonRow``
    from one query of five columns for the whole list (none when it is empty): what list rows show of
    people. Read as values, not as ``User`` instances (half the cost of building 80 of them for a page)."""
    ids = {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    people = {}
    if ids:
        columns = ("pk", "full_name", "first_name", "last_name", "email")
        for pk, full, first, last, email in User.objects.filter(pk__in=ids).order_by().values_list(*columns):
            people[pk] = PersonRow(pk, email, display_name_of(full, first, last, email))
    for t in tickets:
        t.requester_row = people.get(t.requester_id)
        t.assignee_row = people.get(t.assignee_id) if t.assignee_id else None
    return tickets


def people_attach(tickets: list[Ticket], *, only: tuple[str, ...] | None = None) -> list[Ticket]:
    """Set each ticket's requester and assignee from one query for all of them (``only``: just those
    columns, for list rows).

    A list page joined to five tables costs PostgreSQL 4-9 ms just to plan (the ticket table carries
    many indexes); joined to three and reading the people by id, under 1 ms. Same objects, one more
    query, whatever the page size (none for an empty page).
    """
    ids = {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    if not ids:
        return tickets
    people = (User.objects.only(*only) if only else User.objects).in_bulk(ids)
    for t in tickets:
        t.requester = people[t.requester_id]
        t.assignee = people.get(t.assignee_id) if t.assignee_id else None
    return tickets


def customer_page(
    qs: QuerySet[Ticket], *, arms: list[Q] | None = None, narrow: Q | None = None, after: str, size: int
) -> tuple[list[Ticket], str | None]:
    """One keyset page of a customer's list (newest activity first) and the cursor of the next, or None.

    No count and no offset: the page's ids come from narrow ordered reads (``(last_activity_at, id) <
    cursor``), then the page's rows with their joins by id. So page one and page forty cost the same.
    ``arms`` (``TicketQuerySet.visible_arms``: conditions whose union covers ``qs``; ``narrow``: the rest of ``qs``'s
    filters, status and priority): each arm is read on its own, in its own index's order
    (``ticket_requester_activity``, ``ticket_org_activity``, the copies by id), at most a page each, and
    the reads merged. One read of their OR walks no index in order: it fetched and sorted every ticket
    the customer ever filed (2,600 rows, 4-5 ms, for a customer of a million-ticket desk). The arms are
    read without the rule's OR around them (ANDed with it, PostgreSQL misjudged each arm's size and
    went back to fetching every row); the page's rows are then read from ``qs``, so the rule itself
    still decides every row shown.
    """
    cursor = _customer_cursor(after)
    ordered = (qs if arms is None else Ticket.objects.filter(narrow or Q())).order_by(
        "-last_activity_at", "-id"
    )
    if cursor is not None:
        table = connection.ops.quote_name(Ticket._meta.db_table)
        before = RawSQL(
            f"({table}.{connection.ops.quote_name('last_activity_at')}, {table}.{connection.ops.quote_name('id')})"
            " < (%s, %s)",
            (connection.ops.adapt_datetimefield_value(cursor[0]), cursor[1]),
            output_field=BooleanField(),
        )
        ordered = ordered.filter(before)
    reads = [ordered] if arms is None else [ordered.filter(arm) for arm in arms]
    ids = [
        t.pk
        for t in newest_of(
            [r.select_related(None).only("pk", "last_activity_at") for r in reads], limit=size + 1
        )
    ]
    page_ids = ids[:size]
    narrow = qs.order_by().select_related(None).select_related("priority", "organization")
    rows = {t.pk: t for t in narrow.filter(pk__in=page_ids)} if page_ids else {}
    page = people_attach([rows[pk] for pk in page_ids if pk in rows])
    more = len(ids) > size and page
    return page, (f"{page[-1].last_activity_at.isoformat()}~{page[-1].pk}" if more else None)


def newest_of(reads: list[QuerySet[Ticket]], *, limit: int) -> list[Ticket]:
    """The newest ``limit`` tickets (last activity, then id) of several reads ordered that way, at most
    ``limit`` from each; a ticket two reads find is listed once. Asked where a list's filter is an OR
    (the customer's list, the ticket page's panel): each arm walks its own index in order and stops,
    where one read of the OR walks none and fetches and sorts every match."""
    found: dict[int, Ticket] = {}
    for read in reads:
        for t in read[:limit]:
            found.setdefault(t.pk, t)
    return sorted(found.values(), key=lambda t: (t.last_activity_at, t.pk), reverse=True)[:limit]


def _customer_cursor(after: str) -> tuple[datetime, int] | None:
    when, _, pk = (after or "")[:80].partition("~")
    if not pk.isdigit() or len(pk) > 15:
        return None
    try:
        at = datetime.fromisoformat(when)
    except ValueError:
        return None
    return (at, int(pk)) if at.tzinfo else None


def sla_state(ticket: Ticket, now: datetime) -> dict:
    """``policy.sla_state`` as a dict (the API's ``sla_state`` field and the templates read this shape)."""
    return policy.sla_state(ticket, now).as_dict()


def request_field_rows(ticket: Ticket) -> list[tuple[str, object]]:
    """The ticket's request fields as (label, value), in the form's order, labelled by the ticket's form or,
    for mail and API tickets without one, by the default form (mail fills the same names)."""
    values = ticket.request_fields or {}
    if not values:
        return []
    form = ticket.request_type or RequestType.objects.filter(is_default=True).first()
    specs = list(form.fields) if form else []
    labels = {spec.get("name"): spec.get("label") or spec.get("name") for spec in specs}
    order = [spec.get("name") for spec in specs]
    names = [n for n in order if n in values] + [n for n in values if n not in labels]
    return [
        (labels.get(n) or n.replace("_", " ").capitalize(), values[n])
        for n in names
        if values[n] not in (None, "", [])
    ]


def open_incidents() -> QuerySet[Incident]:
    """Major incidents shown on the portal banner, with their status updates."""
    return (
        Incident.objects.filter(resolved_at__isnull=True).prefetch_related("updates").order_by("-opened_at")
    )


def inbound_attention() -> dict[str, int]:
    """What in the email channel waits for a person or a retry: the desk's inbound page and /healthz."""
    counts = dict.fromkeys(("failed", "held", "waiting"), 0)
    names = {
        InboundEmail.Outcome.FAILED: "failed",
        InboundEmail.Outcome.HELD: "held",
        InboundEmail.Outcome.RECEIVED: "waiting",
    }
    rows = (
        InboundEmail.objects.filter(outcome__in=list(names))
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for outcome, n in rows:
        counts[names[outcome]] = n
    counts["senders_held"] = SenderHold.objects.filter(state=SenderHold.State.PENDING).count()
    return counts


def inbound_for_staff() -> dict[str, QuerySet]:
    """The desk's inbound page: held senders, held mail, and mail still failing after retries."""
    return {
        "senders": SenderHold.objects.filter(state=SenderHold.State.PENDING).select_related(
            "user", "organization", "ticket"
        )[:200],
        "held": InboundEmail.objects.filter(outcome=InboundEmail.Outcome.HELD).select_related("ticket")[:200],
        "failed": InboundEmail.objects.filter(outcome=InboundEmail.Outcome.FAILED)[:200],
    }


# --- tags ------------------------------------------------------------------------------------------


def tags_prefetch() -> Prefetch:
    """A list's tags: one query for the whole page (none when it is empty), names in order."""
    return Prefetch("tags", queryset=Tag.objects.only("pk", "name").order_by("name"))


def tag_names_attach(tickets: list[Ticket]) -> list[Ticket]:
    """Set each ticket's ``tag_names`` (in name order) from one query of (ticket, name) pairs for the
    whole list (none when it is empty): what list rows show of their tags. ``tags_prefetch`` built a
    Tag instance per tag and ran Django's prefetch machinery, a third of the queue API's rows read."""
    names: dict[int, list[str]] = {t.pk: [] for t in tickets}
    if names:
        pairs = TicketTag.objects.filter(ticket_id__in=list(names)).order_by("tag__name")
        for ticket_id, name in pairs.values_list("ticket_id", "tag__name"):
            names[ticket_id].append(name)
    for t in tickets:
        t.tag_names = names[t.pk]
    return tickets


def tagged_q(name: str) -> Q:
    """Tickets carrying the tag ``name``: a semi-join on ``ticket_tag_by_tag`` (no repeated rows, so
    counts over it stay exact). The desk queue, its saved views and the API filter with it."""
    return Q(Exists(TicketTag.objects.filter(ticket=OuterRef("pk"), tag__name=name)))


def saved_views_for(user) -> QuerySet[SavedView]:
    """The saved queue views a technician sees, in tab order: their own by position, then those their
    teams share, by team and position (one query)."""
    if not (user and user.is_authenticated and user.is_staff):
        return SavedView.objects.none()
    return (
        SavedView.objects.filter(policy.saved_views_visible_q(user))
        .select_related("team", "owner")
        .annotate(
            others=Case(When(owner=user, then=Value(0)), default=Value(1), output_field=IntegerField()),
            # one's own views keep their own order, whichever team they are shared with
            group=Case(When(owner=user, then=Value("")), default=F("team__name"), output_field=CharField()),
        )
        .order_by("others", "group", "position", "pk")
    )
