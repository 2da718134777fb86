"""Customer-facing timers: the waiting-on-customer reminder ladder, closing what goes unanswered,
and the satisfaction survey after closing.

They act only while the work calendar is open (around the clock for a 24x7 priority), so nobody
gets a reminder at midnight; a pass in the night leaves the rows for the morning.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.services import notification_queue

from ..alerts import dedupe_key
from ..models import Message, Status, Ticket, TicketEvent
from ..policy import customers, reopen_window
from ..reasons import Reason, body_fields, duration, stored
from ..schedule import ticket_next_actions, waiting_ladder
from ..services import survey_issue, ticket_close
from ..snapshot import ticket_context, ticket_snapshot, ticket_url
from ._common import MAX_PER_PASS, Pass, attempt

# Surveys go to tickets closed this recently: switching surveys on does not mail the whole archive.
SURVEY_LOOKBACK = timedelta(days=7)


def survey_url(token: str) -> str:
    return f"{settings.SITE_URL}/survey/{token}/"


def _notify_customers(t: Ticket, event: str, *, now: datetime, key: str, **context) -> None:
    snapshot = ticket_snapshot(t)
    for address, user in customers(t):
        notification_queue(
            event=event,
            recipient=address,
            recipient_user=user,
            ticket=t,
            now=now,
            dedupe_key=dedupe_key(key, address.lower()),
            context=ticket_context(t, snapshot=snapshot, **context),
        )


def _auto_close(p: Pass, t: Ticket, *, reason: Reason, note: Reason, key: str, why: dict, **expect) -> bool:
    """Lock the ticket if it is still as we read it, close it with a note, tell the customer how to reopen.

    ``reason`` and ``note`` are the audit's words, kept as messages (``tickets.reasons``) so the history
    and the close reason read in each reader's language; ``why`` is the same as data (a ``why`` code,
    instants, durations), so the mail says it in the customer's language and zone."""
    with transaction.atomic():
        locked = (
            # of=self: lock only the ticket, not the plan/requester rows every ticket shares (a
            # second worker would skip on those and leave the ticket for neither).
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("plan", "priority", "requester", "organization")
            .filter(pk=t.pk, **expect)
            .first()
        )
        if locked is None:
            return False  # the customer answered, staff acted, or another worker has it
        reopen = reopen_window(locked)  # the window the reopen rule applies, default included
        said = {"note": note, "reason": reason, "url": ticket_url(locked)}
        if reopen:
            body = Reason(
                _(
                    "%(note)s\nClosed automatically: %(reason)s. To reopen it, reply to the last email about "
                    "it, or add a message at %(url)s within %(time)s."
                ),
                time=duration(reopen),
                **said,
            )
        else:
            body = Reason(
                _(
                    "%(note)s\nClosed automatically: %(reason)s. To reopen it, reply to the last email about "
                    "it, or add a message at %(url)s."
                ),
                **said,
            )
        Message.objects.create(
            ticket=locked,
            kind=Message.Kind.SYSTEM,
            from_staff=True,
            channel=locked.channel,
            created_at=p.now,
            **body_fields(body),
        )
        ticket_close(ticket=locked, by=None, now=p.now, reason=reason, notify=False)
        _notify_customers(
            locked,
            "ticket_auto_closed",
            now=p.now,
            key=key,
            reason=reason.english(),  # words for a mail queued before the ``why`` codes: English
            note=note.english(),
            reopen_within_seconds=int(reopen.total_seconds()) if reopen else 0,
            **why,
        )
    return True


def _remind_waiting(
    p: Pass, t: Ticket, *, every: timedelta, most: int | None, close_after: timedelta | None
) -> bool:
    sent, since = t.customer_reminders_sent, t.waiting_since
    expect = {"status": Status.WAITING, "waiting_since": since, "customer_reminders_sent": sent}
    with transaction.atomic():
        t.customer_reminders_sent, t.customer_reminded_at = sent + 1, p.now
        # Claim the rung and store the next one (or the close) in the same conditional update.
        nxt = ticket_next_actions(t, clock=p)
        if not Ticket.objects.filter(pk=t.pk, **expect).update(
            customer_reminders_sent=sent + 1,
            customer_reminded_at=p.now,
            customer_reminder_due_at=nxt["customer_reminder_due_at"],
            auto_close_due_at=nxt["auto_close_due_at"],
        ):
            return False
        closes = [since + close_after] if close_after else []
        if most is not None:
            closes.append(p.now + every * (most - sent))
        if most is None:
            reminder = Reason(_("customer reminder %(number)d"), number=sent + 1)
        else:
            reminder = Reason(_("customer reminder %(number)d of %(most)d"), number=sent + 1, most=most)
        reason, data = stored(reminder)
        TicketEvent.objects.create(
            ticket=t,
            kind=TicketEvent.Kind.REMINDER,
            new_value="waiting",
            created_at=p.now,
            reason=reason,
            data=data,
        )
        _notify_customers(
            t,
            "waiting_reminder",
            now=p.now,
            key=f"waiting_reminder:{t.pk}:{since.isoformat()}:{sent + 1}",
            number=sent + 1,
            of=most,
            # Instants, not words: the mail says them in the customer's language and zone.
            waiting_since_at=since.isoformat(),
            closes_at=min(closes).isoformat() if closes else "",
        )
    return True


def _close_waiting(p: Pass, t: Ticket) -> bool:
    pol = p.policy(t.plan)
    sent, since = t.customer_reminders_sent, t.waiting_since
    close = waiting_ladder(t, pol)[1]
    too_long = bool(pol.waiting_close_after and close == since + pol.waiting_close_after)
    reason = (
        Reason(_("no answer within %(time)s"), time=duration(pol.waiting_close_after))
        if too_long
        else Reason(
            ngettext_lazy("no answer after %(n)d reminder", "no answer after %(n)d reminders", "n"), n=sent
        )
    )
    return _auto_close(
        p,
        t,
        reason=reason,
        note=Reason(_("We asked for information on %(asked)s and have not heard back."), asked=since),
        why={
            "why": "waiting_timeout" if too_long else "waiting_reminders",
            "asked_at": since.isoformat(),
            "within_seconds": int(pol.waiting_close_after.total_seconds()) if too_long else 0,
            "reminders": sent,
        },
        key=f"ticket_auto_closed:{t.pk}:{since.isoformat()}",
        status=Status.WAITING,
        waiting_since=since,
        customer_reminders_sent=sent,
    )


def waiting_remind_and_close(*, now: datetime) -> int:
    """The ladder: remind the customer every ``customer_reminder_every`` up to ``customer_reminder_max``
    times; close once the last reminder has gone unanswered for another interval, or once the ticket
    has waited ``waiting_close_after``. A customer answer reopens the ticket and resets the ladder.

    Two sweeps over stored instants: closing first (a ticket due for both is closed, not reminded),
    then reminding."""
    p = Pass(now)
    waiting = Ticket.objects.filter(status=Status.WAITING).select_related(
        "plan", "priority", "requester", "organization"
    )

    def close(t: Ticket, due: datetime) -> bool:
        return p.due(t, "auto_close_due_at") and _close_waiting(p, t)

    def remind(t: Ticket, due: datetime) -> bool:
        if not p.due(t, "customer_reminder_due_at"):
            return False
        if p.due(t, "auto_close_due_at"):  # came due meanwhile: closing wins, as above
            return _close_waiting(p, t)
        pol = p.policy(t.plan)
        every, most = pol.customer_reminder_every, pol.customer_reminder_max
        return _remind_waiting(p, t, every=every, most=most, close_after=pol.waiting_close_after)

    done = p.sweep("waiting_on_customer", waiting, "auto_close_due_at", close)
    return done + p.sweep("waiting_on_customer", waiting, "customer_reminder_due_at", remind)


def resolved_close(*, now: datetime) -> int:
    """Close resolved tickets the customer has not answered within ``resolved_close_after``."""
    p = Pass(now)

    def close(t: Ticket, due: datetime) -> bool:
        if not p.due(t, "auto_close_due_at"):
            return False
        after = p.policy(t.plan).resolved_close_after
        return _auto_close(
            p,
            t,
            reason=Reason(_("resolved with no answer within %(time)s"), time=duration(after)),
            note=Reason(
                _("We marked this resolved on %(resolved)s and did not hear that anything is still wrong."),
                resolved=t.resolved_at,
            ),
            why={
                "why": "resolved_timeout",
                "resolved_on_at": t.resolved_at.isoformat(),
                "within_seconds": int(after.total_seconds()),
            },
            key=f"ticket_auto_closed:{t.pk}:{t.resolved_at.isoformat()}",
            status=Status.RESOLVED,
            resolved_at=t.resolved_at,
        )

    rows = Ticket.objects.filter(status=Status.RESOLVED).select_related(
        "plan", "priority", "requester", "organization"
    )
    return p.sweep("resolved_close", rows, "auto_close_due_at", close)


def _send_survey(p: Pass, t: Ticket, pol) -> bool:
    with transaction.atomic():
        if not Ticket.objects.filter(pk=t.pk, status=Status.CLOSED, survey_sent_at__isnull=True).update(
            survey_sent_at=p.now
        ):
            return False
        issued = survey_issue(ticket=t, now=p.now, valid_for=pol.survey_valid_for)
        if issued is None:
            return False  # reopened and closed again: the ticket had its one survey
        survey, token = issued
        TicketEvent.objects.create(ticket=t, kind=TicketEvent.Kind.SURVEY, new_value="sent", created_at=p.now)
        notification_queue(
            event="survey",
            recipient=t.requester.email,
            recipient_user=t.requester,
            ticket=t,
            now=p.now,
            dedupe_key=f"survey:{t.pk}",
            context=ticket_context(t, survey_url=survey_url(token), expires_at=survey.expires_at.isoformat()),
        )
    return True


def survey_send(*, now: datetime) -> int:
    """Send one satisfaction-survey link per closed ticket (signed, single use, expiring)."""
    p = Pass(now, refresh=False)  # closed tickets have no next-action instants
    candidates = (
        Ticket.objects.filter(
            status=Status.CLOSED,
            survey_sent_at__isnull=True,
            closed_at__gte=now - SURVEY_LOOKBACK,
            merged_into__isnull=True,
        )
        .select_related("plan", "priority", "requester", "organization")
        .order_by("closed_at", "pk")[:MAX_PER_PASS]
    )
    done = 0
    for t in candidates:
        pol = p.policy(t.plan)
        if not pol.survey_enabled or not p.in_hours(t) or not t.requester.email:
            continue
        done += attempt("survey", t, _send_survey, p, t, pol)
    return done
