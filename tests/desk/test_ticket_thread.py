"""The ticket page's thread, worded once per message (``tickets.desk.thread``): what each message's
header, body, attachments and "turn into an article" form say, in the reader's language and zone."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import NOW
from tickets.models import Channel, Message
from tickets.services import message_add
from tickets.services.attachments import attachments_save

pytestmark = pytest.mark.django_db


def article(html: str, pk: int) -> str:
    return html[html.index(f'id="m{pk}"') :].split("</article>")[0]


def test_each_message_is_worded_in_the_technicians_language_and_time_zone(
    client, tech, customer, make_ticket, frozen
):
    t = make_ticket("Phones down", "urgent", minutes_ago=30)
    by_mail = message_add(
        ticket=t,
        author=customer,
        body="Still down.\nAll lines.",
        now=NOW - timedelta(minutes=20),
        channel=Channel.EMAIL,
    )
    reply = message_add(ticket=t, author=tech, body="On it.", now=NOW - timedelta(minutes=10), minutes=15)
    attachments_save(
        ticket=t,
        message=reply,
        uploads=[(SimpleUploadedFile("trace.txt", b"x" * 2048), "text/plain")],
        by=tech,
    )
    # A system row with no text (an imported mail whose only part was dropped): the services refuse an
    # empty message, so it is written as an import would.
    note = Message.objects.create(ticket=t, kind=Message.Kind.SYSTEM, author=None, body="", created_at=NOW)
    tech.language, tech.time_zone = "de", "America/New_York"
    tech.save(update_fields=["language", "time_zone"])
    client.force_login(tech)
    html = client.get(reverse("desk:ticket_detail", args=[t.pk])).content.decode()

    mail = article(html, by_mail.pk)
    assert "Öffentliche Antwort · " in mail and " · E-Mail" in mail
    assert '<time datetime="2026-03-06T10:10:00-05:00">Fr 6 Mär 10:10</time>' in mail  # 15:10 UTC
    assert "<p>Still down.<br>All lines.</p>" in mail
    assert "kb-from-message" not in mail  # a customer's words never become an article from here

    mine = article(html, reply.pk)
    assert "Taylor Tech" in mine and '<span data-testid="minutes">15 min</span>' in mine
    assert f'action="{reverse("kb:desk_from_message", args=[reply.pk])}"' in mine
    download = reverse("desk:attachment_download", args=[reply.attachments.get().pk])
    assert f'<a href="{download}">trace.txt</a> <span class="muted small">2,0\xa0KB</span>' in mine

    empty = article(html, note.pk)
    assert "Systemereignis · System · " in empty and "(kein Text)" in empty
