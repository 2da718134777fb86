"""One rule (``Article.objects.visible_to``) decides what each reader sees, on every channel: the
portal's list, search and article pages, the new-ticket suggestions, the API, the acknowledgement mail
and the desk's "insert article" (which answers for the ticket's requester, not the technician)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from rest_framework.test import APIClient

from kb.models import Article
from kb.selectors import article_search, article_suggestions
from tests.factories import api_key
from tests.kb.conftest import EXPECTED
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(customer, stranger, unverified, tech):
    return {
        "anonymous": AnonymousUser(),
        "unverified": unverified,
        "customer": customer,
        "stranger": stranger,
        "tech": tech,
    }


def _names(library, slugs):
    by_slug = {a.slug: name for name, a in library.items()}
    return {by_slug[s] for s in slugs}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_rule_itself(library, readers, who):
    seen = Article.objects.visible_to(readers[who]).values_list("slug", flat=True)
    assert _names(library, seen) == EXPECTED[who]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_search_and_suggestions_follow_the_rule(library, readers, who):
    searched = [a.slug for a in article_search(user=readers[who], query="voicemail")]
    suggested = [a.slug for a in article_suggestions(user=readers[who], text="my voicemail is broken")]
    assert _names(library, searched) == EXPECTED[who]
    # Suggestions are the best few: every one is allowed, and no more than the reader may see.
    assert set(_names(library, suggested)) <= EXPECTED[who]
    assert len(suggested) == min(5, len(EXPECTED[who]))


def _client(user):
    client = Client()
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["anonymous", "customer", "stranger", "tech"])
def test_portal_pages_follow_the_rule(library, readers, who):
    client = _client(readers[who])
    listed = client.get("/kb/").content.decode()
    found = client.get("/kb/", {"q": "voicemail"}).content.decode()
    suggested = client.get("/kb/suggest/", {"q": "voicemail"}).json()["articles"]
    for name, article in library.items():
        allowed = name in EXPECTED[who]
        assert (article.title in listed) is allowed, (name, "list")
        assert (article.title in found) is allowed, (name, "search")
        page = client.get(f"/kb/articles/{article.slug}/")
        assert page.status_code == (200 if allowed else 404), (name, "page")
    assert {a["title"] for a in suggested} <= {library[n].title for n in EXPECTED[who]}


@pytest.mark.parametrize("who", ["customer", "stranger", "tech"])
def test_the_api_follows_the_rule(library, readers, who):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(readers[who])}")
    listed = {a["slug"] for a in client.get("/api/kb/articles/").json()["results"]}
    searched = {a["slug"] for a in client.get("/api/kb/search/", {"q": "voicemail"}).json()}
    assert _names(library, listed) == EXPECTED[who]
    assert _names(library, searched) == EXPECTED[who]
    for name, article in library.items():
        answer = client.get(f"/api/kb/articles/{article.slug}/")
        assert answer.status_code == (200 if name in EXPECTED[who] else 404), name
    categories = client.get("/api/kb/categories/").json()
    assert categories[0]["article_count"] == len(EXPECTED[who])


def test_an_unverified_account_reads_nothing_through_the_api(library, unverified):
    client = APIClient()
    client.force_authenticate(unverified)
    assert client.get("/api/kb/articles/").status_code == 403


def test_the_acknowledgement_mail_suggests_only_what_its_reader_may_read(library, customer, priorities):
    ticket = ticket_create(requester=customer, subject="Voicemail stopped working", now=_now())
    mail = ticket.notifications.get(event="ticket_received")
    titles = {a["title"] for a in mail.context["kb_articles"]}
    assert titles and titles <= {library[n].title for n in EXPECTED["customer"]}
    assert library["staff"].title not in titles and library["globex_only"].title not in titles
    from notifications.services import notification_render

    rendered = notification_render(mail)
    first = mail.context["kb_articles"][0]
    assert first["url"] in rendered["text"] and first["url"] in rendered["html"]
    assert first["url"].startswith("http") and "/kb/articles/" in first["url"]


def test_a_copied_stranger_without_an_account_is_mailed_public_articles_only(library, customer, priorities):
    ticket = ticket_create(
        requester=customer, subject="Voicemail stopped working", now=_now(), cc_emails=["pat@elsewhere.test"]
    )
    cc_mail = ticket.notifications.filter(event="ticket_received", recipient="pat@elsewhere.test").first()
    if cc_mail is None:
        pytest.skip("copied addresses get no acknowledgement in this configuration")
    assert [a["title"] for a in cc_mail.context.get("kb_articles", [])] == [library["public"].title]


def test_the_desk_offers_only_links_the_ticket_requester_can_open(library, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="Voicemail stopped working", now=_now())
    client = _client(tech)
    offered = client.get(f"/kb/desk/tickets/{ticket.pk}/articles/", {"q": "voicemail"}).json()["articles"]
    assert {a["title"] for a in offered} <= {library[n].title for n in EXPECTED["customer"]}
    assert library["staff"].title not in {a["title"] for a in offered}
    # Customers cannot use the desk's endpoint at all.
    assert _client(customer).get(f"/kb/desk/tickets/{ticket.pk}/articles/").status_code == 404


def _now():
    from tests.conftest import NOW

    return NOW
