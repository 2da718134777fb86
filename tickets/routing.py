"""Where a new ticket goes and who may get it automatically: reads only (the writes are in
``tickets/services/routing.py``).

A ticket goes to the team its request form names (the skill the form needs), else to the team that takes
what no form routes. A team that auto-assigns hands it to a member who is *on shift* — active staff, not
marked away, within the team's working hours or on the on-call rota now (matched by email) — and under
the team's cap of open tickets; round robin takes the next such member after the last one given a ticket,
least loaded the one owning the fewest open tickets (ties in round-robin order).

A team that matches the customer's language narrows those eligible members (on shift, under the cap) to
the ones who speak the requester's language (``User.languages``), the language asked of
``accounts.locale.locale_for`` as everywhere else; round robin and least loaded then run within that
subset ("round robin in Voice, by language: de"). When no eligible member speaks it, the ticket is not
held back: it goes to whoever the rule picks among all eligible members, and the reason says that no
speaker of the language was available. The reason is a ``tickets.reasons.Reason``: the history keeps it
in English with its message id and values, and each reader reads it in their own language.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.locale import locale_for
from accounts.models import Team, User
from sla.calendars import is_open
from sla.selectors import calendar_build, on_call_now

from .models import Ticket
from .policy import queue_q
from .querysets import OPEN_STATUSES
from .reasons import Reason


def team_for(ticket: Ticket) -> Team | None:
    """The team a new ticket is routed to (none: it stays with everyone)."""
    if ticket.request_type_id and ticket.request_type.team_id:
        return ticket.request_type.team
    return Team.objects.filter(receives_unrouted=True).order_by("pk").first()


def on_shift(team: Team, now: datetime) -> list[User]:
    """The team's members who can take a ticket at ``now``, in a stable order (by id)."""
    members = list(team.members.filter(is_active=True, is_staff=True, available=True).order_by("pk"))
    if team.calendar_id is None or is_open(now, calendar_build(team.calendar)):
        return members
    rota = {email.lower() for email in on_call_now(now).values_list("email", flat=True) if email}
    return [m for m in members if m.email.lower() in rota]


def open_load(users: list[User]) -> dict[int, int]:
    """How many open tickets each of ``users`` owns (one aggregate)."""
    rows = (
        Ticket.objects.filter(assignee__in=users, status__in=OPEN_STATUSES)
        .values("assignee")
        .annotate(n=Count("pk"))
    )
    load = dict.fromkeys((u.pk for u in users), 0)
    load.update({row["assignee"]: row["n"] for row in rows})
    return load


def requester_language(ticket: Ticket) -> str:
    """The language the ticket's requester reads in (``locale_for``: profile, organization, site)."""
    return locale_for(ticket.requester).language


def pick_agent(team: Team, now: datetime, *, ticket: Ticket | None = None) -> tuple[User | None, Reason]:
    """Who the team's rule gives the next ticket to, and why (``None``: nobody can take it). The why is a
    ``Reason``: stored on the ticket's history, it reads in each reader's language.

    ``ticket`` is the ticket being handed out; a team that matches languages needs it (its requester)."""
    if team.auto_assign == Team.AutoAssign.OFF:
        return None, Reason(_("the team does not auto-assign"))
    candidates = on_shift(team, now)
    if not candidates:
        return None, Reason(_("nobody in %(team)s is on shift"), team=team.name)
    load = open_load(candidates)
    if team.max_open_per_agent is not None:
        candidates = [u for u in candidates if load[u.pk] < team.max_open_per_agent]
        if not candidates:
            return None, Reason(
                ngettext_lazy(
                    "everyone on shift in %(team)s has %(max)d open ticket",
                    "everyone on shift in %(team)s has %(max)d open tickets",
                    "max",
                ),
                team=team.name,
                max=team.max_open_per_agent,
            )
    language = ""
    speakers = candidates
    if team.match_language and ticket is not None:
        language = requester_language(ticket)
        speakers = [u for u in candidates if language in (u.languages or [])]
        candidates = speakers or candidates
    after = team.last_assigned_id or 0
    ring = [u for u in candidates if u.pk > after] + [u for u in candidates if u.pk <= after]
    if team.auto_assign == Team.AutoAssign.LEAST_LOADED:
        chosen = min(ring, key=lambda u: load[u.pk])  # min keeps the first of equals: round-robin order
        how = Reason(
            ngettext_lazy(
                "least loaded in %(team)s (%(open)d open)", "least loaded in %(team)s (%(open)d open)", "open"
            ),
            team=team.name,
            open=load[chosen.pk],
        )
    else:
        chosen = ring[0]
        how = Reason(_("round robin in %(team)s"), team=team.name)
    if language and speakers:
        how = Reason(_("%(how)s, by language: %(language)s"), how=how, language=language)
    elif language:
        how = Reason(
            _("%(how)s; no speaker of %(language)s was available, so among everyone on shift"),
            how=how,
            language=language,
        )
    return chosen, how


def awaiting_auto_assignment() -> Q:
    """Tickets a sweep should try again: in the queue, unassigned, in a team that auto-assigns."""
    return (
        queue_q()
        & Q(assignee__isnull=True, merged_into__isnull=True, team__isnull=False)
        & ~Q(team__auto_assign=Team.AutoAssign.OFF)
    )
