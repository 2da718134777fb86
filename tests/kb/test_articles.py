"""Writing articles: every save is a version, editing a published article leaves the live text alone
until the new version is published, the history is kept and shown, and the HTML is always sanitised."""

from datetime import timedelta

import pytest
from django.test import Client

from kb.models import Article, Audience
from kb.selectors import article_search
from kb.services import KbError, article_create, article_edit, article_publish, article_unpublish
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_editing_a_published_article_creates_a_new_version_and_keeps_the_live_text(write, tech, customer):
    article = write("Reset your voicemail PIN", "Dial *98.")
    later = NOW + timedelta(hours=1)
    draft = article_edit(
        article=article, title="Reset your voicemail PIN", body="Use the portal.", by=tech, now=later
    )
    article.refresh_from_db()
    assert draft.number == 2 and draft.published_at is None
    assert article.live_version.number == 1 and "Dial *98." in article.body_html
    assert [a.slug for a in article_search(user=customer, query="portal")] == []

    article_publish(article=article, by=tech, now=later)
    article.refresh_from_db()
    assert article.live_version_id == draft.pk and "Use the portal." in article.body_html
    assert article.published_at == NOW  # first published then; updated since
    assert [a.slug for a in article_search(user=customer, query="portal")] == [article.slug]
    assert [
        a.slug for a in article_search(user=customer, query="dial")
    ] == []  # the old text is gone from search
    assert list(article.versions.values_list("number", "published_at")) == [(2, later), (1, NOW)]


def test_the_history_page_lists_every_version_and_shows_each(write, tech, customer):
    article = write("Reset your voicemail PIN", "Dial *98.")
    article_edit(
        article=article, title="Reset your PIN", body="Use the **portal**.", by=tech, now=NOW, note="simpler"
    )
    client = Client()
    client.force_login(tech)
    history = client.get(f"/kb/desk/{article.pk}/history/").content.decode()
    assert "v2" in history and "v1" in history and "simpler" in history and "(live)" in history
    old = client.get(f"/kb/desk/{article.pk}/history/1/").content.decode()
    assert "Dial *98." in old
    assert "<strong>portal</strong>" in client.get(f"/kb/desk/{article.pk}/history/2/").content.decode()
    client.force_login(customer)
    assert client.get(f"/kb/desk/{article.pk}/history/").status_code == 404


def test_a_draft_is_seen_by_nobody_until_published(write, tech, customer):
    draft = write("Upcoming feature", publish=False)
    assert not Article.objects.visible_to(tech).filter(pk=draft.pk).exists()
    article_publish(article=draft, by=tech, now=NOW)
    assert Article.objects.visible_to(customer).filter(pk=draft.pk).exists()
    article_unpublish(article=draft, by=tech, now=NOW)
    assert not Article.objects.visible_to(customer).filter(pk=draft.pk).exists()
    assert article_search(user=customer, query="upcoming") == []


def test_customers_cannot_write_articles(customer, category):
    with pytest.raises(KbError):
        article_create(title="Mine", body="x", by=customer, now=NOW)
    client = Client()
    client.force_login(customer)
    assert (
        client.post("/kb/desk/new/", {"title": "Mine", "body": "x", "audience": "public"}).status_code == 404
    )
    assert not Article.objects.exists()


def test_markdown_is_rendered_and_anything_dangerous_is_removed(write, customer):
    article = write(
        "Dangerous",
        "**bold** <script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
        "[ok](https://example.test)",
        audience=Audience.PUBLIC,
    )
    html = article.body_html
    assert "<strong>bold</strong>" in html
    # Raw HTML is shown as text, never as a tag; a javascript: link is not a link.
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.test" rel="noopener noreferrer nofollow">ok</a>' in html
    page = Client().get(f"/kb/articles/{article.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in page


def test_the_desk_editor_saves_drafts_and_publishes(tech, category, customer):
    client = Client()
    client.force_login(tech)
    answer = client.post(
        "/kb/desk/new/",
        {
            "title": "Port a number",
            "body": "Send the *LOA*.",
            "audience": "customers",
            "category": category.pk,
            "save": "1",
        },
    )
    article = Article.objects.get()
    assert answer.status_code == 302 and not article.is_published
    client.post(
        f"/kb/desk/{article.pk}/",
        {"title": "Port a number", "body": "Send the signed *LOA*.", "audience": "customers", "publish": "1"},
    )
    article.refresh_from_db()
    assert article.is_published and "signed" in article.body_html and article.versions.count() == 2
    assert Client().get(f"/kb/articles/{article.slug}/").status_code == 404  # customers only
    reader = Client()
    reader.force_login(customer)
    assert reader.get(f"/kb/articles/{article.slug}/").status_code == 200


def test_a_search_with_odd_input_never_fails(write, customer):
    write("Voicemail PIN reset")
    for q in ['"', "voicemail -", "or or", "!!!", "&|", "'", "a" * 500, "voicemail:*", "\x00"]:
        article_search(user=customer, query=q)
        assert Client().get("/kb/", {"q": q}).status_code == 200
        assert Client().get("/kb/suggest/", {"q": q}).status_code == 200


def test_search_ranks_title_hits_first_and_marks_the_snippet(write, customer):
    write("Billing questions", "How invoices work. Voicemail is billed per box.")
    write("Voicemail setup", "Record a greeting.")
    hits = article_search(user=customer, query="voicemail")
    assert [h.title for h in hits] == ["Voicemail setup", "Billing questions"]
    assert "<mark>" in hits[1].snippet and "Voicemail" in hits[1].snippet


def test_an_articles_first_version_note_reads_in_french_and_english(tech):
    from django.utils import translation

    from kb.selectors import article_history_read

    article = article_create(title="Fax", body="Dial 9.", by=tech, now=NOW)
    [version] = article_history_read(article=article)
    assert version.note == "First version" and version.note_kept["msgid"] == "First version"
    with translation.override("fr"):
        [version] = article_history_read(article=article)
    assert version.note_words == "Première version"
