"""A person with data in every place a helpdesk keeps it, and a colleague on the same thread.

Zelda's words all carry the marker "ZQ-"; Chris's carry "CHRIS-CC-". After an erase nothing of Zelda's
may be found anywhere; an export of Zelda holds Zelda's and nothing of Chris's.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.tokens import token_issue
from tests.conftest import NOW
from tests.factories import CustomerFactory
from tests.notifications.mailkit import raw_mail
from tickets.intake.store import email_process_stored, email_receive
from tickets.models import Message, RequestType, Ticket
from tickets.services import (
    attachment_add,
    message_add,
    survey_answer,
    survey_issue,
    ticket_assign,
    ticket_close,
    ticket_create,
    ticket_resolve,
)

ZELDA_NEEDLES = ["Zelda", "Quinterro", "zelda.q@acme.test", "ZQ-", "7700 900123"]
CHRIS_NEEDLES = ["Chris", "chris@acme.test", "CHRIS-CC-"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    zelda: User
    chris: User
    tech: User
    admin: User
    ticket: Ticket  # Zelda's, Chris copied and writing on it
    chris_ticket: Ticket  # Chris's, Zelda copied and writing on it
    other_org_ticket: Ticket  # a stranger's, Zelda copied by address only
    mail_ticket: Ticket  # Zelda's, filed by mail (raw message stored)


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def world(
    org, colleague, stranger, tech, admin_user, priorities, django_capture_on_commit_callbacks
) -> World:
    zelda = CustomerFactory(
        organization=org, email="zelda.q@acme.test", full_name="Zelda Quinterro", phone="+44 7700 900123"
    )
    form = RequestType.objects.create(
        slug="fault",
        name="Fault",
        fields=[
            {"name": "details", "label": "Details", "type": "textarea"},
            {"name": "product", "label": "Product", "type": "choice", "choices": ["Fuse", "Trunk"]},
        ],
    )
    t0 = NOW - timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            requester=zelda,
            subject="ZQ-subject: router keeps rebooting",
            description="ZQ-description: it reboots every night at two",
            priority=priorities["high"],
            request_type=form,
            request_fields={"details": "ZQ-field: typed by the customer", "product": "Fuse"},
            now=t0,
        )
        ticket.cc.add(colleague)
        attachment_add(ticket=ticket, upload=_file("zelda.log", b"ZQ-file-bytes of the person"), by=zelda)
        ticket_assign(ticket=ticket, agent=tech, by=tech, now=t0 + timedelta(hours=1))
        message_add(
            ticket=ticket, author=tech, body="Hi Zelda, we are looking at it.", now=t0 + timedelta(hours=3)
        )
        message_add(
            ticket=ticket,
            author=tech,
            body="Internal: Zelda Quinterro called twice.",
            kind=Message.Kind.INTERNAL,
            now=t0 + timedelta(hours=3, minutes=1),
        )
        chris_says = message_add(
            ticket=ticket,
            author=colleague,
            body="CHRIS-CC-reply: same here on my desk",
            now=t0 + timedelta(hours=4),
        )
        attachment_add(
            ticket=ticket, upload=_file("chris.log", b"CHRIS-CC-file-bytes"), by=colleague, message=chris_says
        )
        message_add(
            ticket=ticket,
            author=zelda,
            body="ZQ-reply: please hurry, the office is down",
            now=t0 + timedelta(hours=5),
        )
        ticket_resolve(ticket=ticket, by=tech, now=t0 + timedelta(hours=20))
        # She answers the resolution: the ticket reopens (the SLA dashboard counts that), then closes.
        message_add(
            ticket=ticket,
            author=zelda,
            body="ZQ-reopen: still broken after the fix",
            now=t0 + timedelta(hours=22),
        )
        ticket_resolve(ticket=ticket, by=tech, now=t0 + timedelta(days=1))
        ticket_close(ticket=ticket, by=tech, now=t0 + timedelta(days=2))
        _survey, token = survey_issue(ticket=ticket, now=t0 + timedelta(days=2))
        survey_answer(
            token=token, rating=4, comment="ZQ-survey: friendly but slow", now=t0 + timedelta(days=3)
        )

        chris_ticket = ticket_create(
            requester=colleague, subject="CHRIS-CC-subject: voicemail", priority=priorities["normal"], now=t0
        )
        chris_ticket.cc.add(zelda)
        message_add(
            ticket=chris_ticket,
            author=zelda,
            body="ZQ-on-chris: mine too since Monday",
            now=t0 + timedelta(hours=2),
        )
        attachment_add(ticket=chris_ticket, upload=_file("c.txt", b"CHRIS-CC-own-file"), by=colleague)

        other_org_ticket = ticket_create(
            requester=stranger,
            subject="Globex outage",
            priority=priorities["normal"],
            cc_emails=["zelda.q@acme.test"],
            now=t0,
        )

        stored = email_receive(
            raw=raw_mail(
                sender="Zelda Quinterro <zelda.q@acme.test>",
                subject="ZQ-mail-subject: fax line dead",
                body="ZQ-mail-body: the fax line has been dead since noon",
                message_id="<ZQ-1.zelda@acme.test>",
            ),
            now=t0,
        )
    email_process_stored(row_id=stored.pk, now=t0)
    stored.refresh_from_db()
    assert stored.ticket is not None and stored.raw
    token_issue(user=zelda, now=t0)
    LogEntry.objects.create(  # what the admin's history wrote when someone edited her account
        user=admin_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(zelda.pk),
        object_repr=str(zelda),
        action_flag=CHANGE,
        change_message="Changed phone for Zelda Quinterro.",
    )
    return World(
        zelda=zelda,
        chris=colleague,
        tech=tech,
        admin=admin_user,
        ticket=ticket,
        chris_ticket=chris_ticket,
        other_org_ticket=other_org_ticket,
        mail_ticket=stored.ticket,
    )
