"""Each mail is written in its recipient's language and time zone (``accounts.locale.locale_for``, asked
when the mail is rendered), whoever caused it and whatever the worker had active."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts import services as account_services
from notifications.models import Notification
from notifications.services import notification_deliver
from sla.models import SLATarget
from tests.factories import office_calendar
from tests.tickets.jobs_support import DAY, policy
from tickets.jobs import waiting_remind_and_close
from tickets.models import Status
from tickets.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 2, 2, 7, 0, tzinfo=UTC)  # a Monday in winter: London = UTC, New York = UTC-5


def _deliver(event: str, recipient: str):
    [n] = Notification.objects.filter(event=event, recipient=recipient)
    notification_deliver(notification_id=n.pk, now=RECEIVED)
    return mail.outbox[-1]


@pytest.fixture
def high_in_one_hour(plan, priorities):
    SLATarget.objects.filter(plan=plan, priority=priorities["high"]).update(first_response=timedelta(hours=1))
    return priorities["high"]


def test_a_german_customer_in_new_york_gets_the_receipt_in_german_with_new_york_times(
    customer, high_in_one_hour
):
    customer.language, customer.time_zone = "de", "America/New_York"
    customer.save()
    ticket_create(requester=customer, subject="Leitung tot", priority=high_in_one_hour, now=RECEIVED)
    sent = _deliver("ticket_received", customer.email)
    assert "Wir haben Ihre Anfrage erhalten: Leitung tot" in sent.subject
    assert "mit der Priorität Hoch erfasst" in sent.body  # a preset level, in German
    # Due 10:00 London = 05:00 in New York, said in German day and month names.
    assert "Sie erhalten eine erste Antwort bis Mo 2 Feb 2026, 05:00 EST." in sent.body
    html = sent.alternatives[0][0]
    assert 'lang="de"' in html and "Antworten Sie auf diese E-Mail" in html


def test_the_organizations_default_language_applies_to_a_member_who_chose_none(
    customer, org, high_in_one_hour
):
    org.default_language = "fr"  # the organization's default, for members who chose nothing
    org.save()
    ticket = ticket_create(requester=customer, subject="Panne", priority=high_in_one_hour, now=RECEIVED)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=None, now=RECEIVED, reason="Fixed")
    french = _deliver("ticket_resolved", customer.email)
    assert "Résolu : Panne" in french.subject and "Nous considérons" in french.body


def test_rendering_a_mail_leaves_the_workers_language_and_zone_as_they_were(customer, high_in_one_hour):
    customer.language, customer.time_zone = "fr", "Asia/Tokyo"
    customer.save()
    ticket_create(requester=customer, subject="x", priority=high_in_one_hour, now=RECEIVED)
    with translation.override("en-gb"):
        _deliver("ticket_received", customer.email)
        assert translation.get_language() == "en-gb"
    assert timezone.get_current_timezone_name() == "UTC"
    assert "Nous avons reçu votre demande" in mail.outbox[-1].subject


def test_a_waiting_reminder_says_its_dates_in_the_customers_zone(customer, tech, high_in_one_hour):
    customer.language, customer.time_zone = "de", "Europe/Berlin"
    customer.save()
    policy(customer_reminder_every=DAY, customer_reminder_max=2, calendar=office_calendar())
    ticket = ticket_create(requester=customer, subject="Warten", priority=high_in_one_hour, now=RECEIVED)
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=RECEIVED, reason="Log?")
    later = RECEIVED + timedelta(days=1, hours=4)  # Tuesday 11:00, in office hours
    assert waiting_remind_and_close(now=later) >= 1
    [reminder] = Notification.objects.filter(event="waiting_reminder", recipient=customer.email)
    notification_deliver(notification_id=reminder.pk, now=later)
    body = mail.outbox[-1].body
    # Asked at 07:00 UTC = 08:00 in Berlin; the context carried an instant, not English words.
    assert "Wir haben Sie am Mo 2 Feb 2026, 08:00 CET um Informationen zu" in body
    assert "(Erinnerung 1 von 2.)" in body


def test_an_account_mail_follows_the_account_holders_language(customer, django_capture_on_commit_callbacks):
    customer.language = "de"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        account_services.login_link_send(email=customer.email)
    assert "Ihr Anmeldelink" in mail.outbox[-1].subject
    assert "Er funktioniert einmal, innerhalb von 15 Minuten." in mail.outbox[-1].body


def test_an_invitation_is_written_in_the_organizations_language(
    org, customer, django_capture_on_commit_callbacks
):
    org.default_language = "fr"
    org.save()
    customer.is_org_admin = True
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        account_services.invitation_create(organization=org, email="neu@acme.test", by=customer, now=RECEIVED)
    assert "vous a invité" in mail.outbox[-1].subject
    assert "Le lien est valable 14 jours" in mail.outbox[-1].body


def test_a_password_reset_is_written_in_the_account_holders_language_not_the_browsers(client, customer):
    customer.language = "fr"
    customer.save()
    client.post("/accounts/password/reset/", {"email": customer.email}, HTTP_ACCEPT_LANGUAGE="de")
    assert "Réinitialisez votre mot de passe" in mail.outbox[-1].subject


def test_a_reminder_queued_before_the_upgrade_still_says_its_dates_and_durations(customer, tech, priorities):
    """Rows written by the release before mails were worded per reader carry English text under the old
    keys; they are read into today's keys, never sent with blank dates."""
    ticket = ticket_create(requester=customer, subject="Old row", priority=priorities["normal"], now=RECEIVED)
    old = Notification.objects.create(
        event="waiting_reminder",
        recipient=customer.email,
        ticket=ticket,
        created_at=RECEIVED,
        context={
            "ticket": {"reference": ticket.reference, "subject": ticket.subject},
            "ticket_url": "http://example.test/t/1/",
            "waiting_since": "Mon 02 Feb 2026 07:00 UTC",
            "closes_at": "Fri 06 Feb 2026 07:00 UTC",
            "number": 1,
            "of": 2,
        },
    )
    notification_deliver(notification_id=old.pk, now=RECEIVED)
    body = mail.outbox[-1].body
    assert "2 Feb 2026" in body and "6 Feb 2026" in body, body
    stale = Notification.objects.create(
        event="unassigned_alert",
        recipient=tech.email,
        ticket=ticket,
        created_at=RECEIVED,
        context={
            "ticket": {"reference": ticket.reference, "subject": ticket.subject},
            "received_at": "Mon 02 Feb 2026 07:00 UTC",
            "deadline": "1h 30m",
            "due_at": "Mon 02 Feb 2026 08:30 UTC",
        },
    )
    notification_deliver(notification_id=stale.pk, now=RECEIVED)
    sent = mail.outbox[-1]
    assert "1 hour" in sent.subject and "30 minutes" in sent.subject, sent.subject
    assert "8:30" in sent.body or "08:30" in sent.body, sent.body
