"""The desk: an article link inserted into a reply is recorded when the reply is sent (for the
dashboard's "articles linked to tickets"); "turn this reply into an article" starts a prefilled draft."""

import pytest
from django.test import Client

from kb.links import article_url
from kb.models import Article, Audience, TicketLink
from kb.selectors import kb_figures
from tests.conftest import NOW
from tickets.models import Message
from tickets.services import message_add, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, priorities):
    return ticket_create(requester=customer, subject="Voicemail greeting will not save", now=NOW)


@pytest.fixture
def desk(tech):
    client = Client()
    client.force_login(tech)
    return client


def test_the_ticket_page_has_the_article_panel_and_offers_matching_articles(library, ticket, desk):
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="kb-panel"' in page and "js/kb-desk.js" in page
    offered = desk.get(f"/kb/desk/tickets/{ticket.pk}/articles/").json()["articles"]
    assert library["customers"].title in [a["title"] for a in offered]  # matched on the subject
    assert all(a["url"].startswith("http") for a in offered)


def test_a_reply_with_an_inserted_article_link_is_recorded_once(library, ticket, desk, tech):
    article = library["customers"]
    body = f"Please try this:\n{article.title}: {article_url(article, absolute=True)}\n"
    answer = desk.post(f"/desk/tickets/{ticket.pk}/reply/", {"kind": "public", "body": body})
    assert answer.status_code in (200, 302)
    assert Message.objects.filter(ticket=ticket, from_staff=True, body__contains="/kb/articles/").exists()
    link = TicketLink.objects.get()
    assert (link.article, link.ticket) == (article, ticket)
    message_add(ticket=ticket, author=tech, body=body, now=NOW)  # the same article again: one link
    assert TicketLink.objects.count() == 1
    figures = kb_figures(since=NOW)
    assert (figures.linked_articles, figures.linked_tickets) == (1, 1)


def test_a_customer_pasting_an_article_link_is_not_a_staff_link(library, ticket, customer):
    message_add(ticket=ticket, author=customer, body=article_url(library["public"], absolute=True), now=NOW)
    assert not TicketLink.objects.exists()


def test_turning_a_staff_reply_into_an_article_starts_a_staff_only_draft(ticket, desk, tech):
    reply = message_add(ticket=ticket, author=tech, body="Open Voicemail, then press Save twice.", now=NOW)
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"/kb/desk/from-message/{reply.pk}/" in page
    answer = desk.post(f"/kb/desk/from-message/{reply.pk}/")
    draft = Article.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/kb/desk/{draft.pk}/"
    version = draft.versions.get()
    assert (version.title, version.body) == (ticket.subject, "Open Voicemail, then press Save twice.")
    assert not draft.is_published and draft.audience == Audience.STAFF and version.author == tech
    editor = desk.get(answer["Location"]).content.decode()
    assert "Open Voicemail, then press Save twice." in editor


def test_a_customer_message_cannot_become_an_article(ticket, desk, customer):
    first = ticket.messages.get()
    answer = desk.post(f"/kb/desk/from-message/{first.pk}/")
    assert answer.status_code == 302 and not Article.objects.exists()
    client = Client()
    client.force_login(customer)
    assert client.post(f"/kb/desk/from-message/{first.pk}/").status_code == 404


def test_the_notes_the_desk_writes_on_a_version_read_in_the_editors_language(ticket, desk, tech):
    """ "First version" and "From T-…, message …" are kept as messages (``tickets.reasons``): a German
    editor reads them in German, an English one in English; a person's own note and an old row as written."""
    from html import unescape

    from kb.models import ArticleVersion
    from kb.services import article_edit

    reply = message_add(ticket=ticket, author=tech, body="Open Voicemail, then press Save twice.", now=NOW)
    desk.post(f"/kb/desk/from-message/{reply.pk}/")
    draft = Article.objects.get()
    article_edit(article=draft, title=draft.title, body="Press Save.", by=tech, now=NOW, note="Shorter steps")
    first = draft.versions.get(number=1)
    assert first.note == f"From {ticket.reference}, message {reply.pk}"  # the stored text stays English
    url = f"/kb/desk/{draft.pk}/history/"
    english = unescape(desk.get(url).content.decode())
    assert f"From {ticket.reference}, message {reply.pk}" in english and "Shorter steps" in english
    tech.language = "de"
    tech.save()
    german = unescape(desk.get(url).content.decode())
    assert f"Aus {ticket.reference}, Nachricht {reply.pk}" in german and "Shorter steps" in german
    ArticleVersion.objects.filter(pk=first.pk).update(note="First version", note_kept={})  # stored before
    assert "First version" in desk.get(url).content.decode()
