"""Every write to the knowledge base. Keyword-only, typed, atomic; the views, the API, the admin, the
receivers and the demo loader call these."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Value
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.identity import is_verified
from notifications.models import Notification
from tickets.reasons import Reason, stored

from .links import article_url
from .models import Article, ArticleVersion, Audience, Category, Deflection, TicketLink
from .render import html_text, markdown_html
from .selectors import CONFIG, article_suggestions


class KbError(Exception):
    """A refused knowledge-base action, with a message fit to show whoever tried it."""


class ArticleNotFound(KbError):
    """No such article for this reader (missing and not allowed look the same)."""


def may_edit_articles(user) -> bool:
    """Staff write the knowledge base (the one rule; the editor pages and the admin only ask it)."""
    return is_verified(user) and user.is_staff


def _check_editor(user) -> None:
    if not may_edit_articles(user):
        raise KbError(gettext("Only staff may write knowledge-base articles."))


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:100] or "article"
    slug, n = base, 1
    while Article.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())[:200]
    if not title:
        raise KbError(gettext("An article needs a title."))
    return title


@transaction.atomic
def article_create(
    *,
    title: str,
    body: str,
    by,
    now: datetime,
    category: Category | None = None,
    audience: str = Audience.CUSTOMERS,
    slug: str = "",
    publish: bool = False,
    note: str | Reason = "",
) -> Article:
    """A new article with its first version (a draft unless ``publish``)."""
    _check_editor(by)
    title = _clean_title(title)
    if audience not in Audience.values:
        raise KbError(gettext("Unknown audience %(audience)s.") % {"audience": repr(audience)})
    slug = slugify(slug)[:120] if slug else _unique_slug(title)
    if Article.objects.filter(slug=slug).exists():
        raise KbError(gettext("An article already uses the address %(slug)s.") % {"slug": repr(slug)})
    article = Article.objects.create(
        slug=slug,
        title=title,
        category=category,
        audience=audience,
        created_at=now,
        updated_at=now,
        created_by=by,
    )
    article_edit(
        article=article, title=title, body=body, by=by, now=now, note=note or Reason(_("First version"))
    )
    if publish:
        return article_publish(article=article, by=by, now=now)
    article.refresh_from_db()
    return article


@transaction.atomic
def article_edit(
    *,
    article: Article,
    title: str,
    body: str,
    by,
    now: datetime,
    note: str | Reason = "",
    publish: bool = False,
) -> ArticleVersion:
    """Save a new version. The published text stays live until this version is published, so editing
    a published article never changes what customers read mid-edit, and every text is kept."""
    _check_editor(by)
    article = Article.objects.select_for_update().get(pk=article.pk)  # version numbers in order
    number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    note, kept = stored(note)  # a note the desk writes (a ``Reason``) keeps its message id beside it
    version = ArticleVersion.objects.create(
        article=article,
        number=number,
        title=_clean_title(title),
        body=body or "",
        body_html=markdown_html(body or ""),
        author=by,
        note=note[:200],
        note_kept=kept.get("reason", {}),
        created_at=now,
    )
    Article.objects.filter(pk=article.pk).update(updated_at=now)
    if publish:
        article_publish(article=article, by=by, now=now, version=version)
    return version


@transaction.atomic
def article_publish(*, article: Article, by, now: datetime, version: ArticleVersion | None = None) -> Article:
    """Make ``version`` (default: the newest) what every channel shows, and index it for search."""
    _check_editor(by)
    article = Article.objects.select_for_update().get(pk=article.pk)
    version = version or article.versions.order_by("-number").first()
    if version is None or version.article_id != article.pk:
        raise KbError(gettext("This article has no such version to publish."))
    if version.published_at is None:
        ArticleVersion.objects.filter(pk=version.pk).update(published_at=now)
    article.live_version = version
    article.title = version.title
    article.body_html = version.body_html
    article.body_text = html_text(version.body_html)
    article.published_at = article.published_at or now
    article.updated_at = now
    article.save(
        update_fields=["live_version", "title", "body_html", "body_text", "published_at", "updated_at"]
    )
    _index(article)
    return article


def _index(article: Article) -> None:
    """Keep the stored tsvector in step with the published text (PostgreSQL; SQLite scans)."""
    if connection.vendor != "postgresql":
        return
    Article.objects.filter(pk=article.pk).update(
        search_vector=SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("body_text", weight="B", config=CONFIG)
    )


@transaction.atomic
def article_settings_change(
    *, article: Article, by, now: datetime, category: Category | None, audience: str
) -> Article:
    """Change where an article is filed and who reads it (takes effect at once, on the live text)."""
    _check_editor(by)
    if audience not in Audience.values:
        raise KbError(gettext("Unknown audience %(audience)s.") % {"audience": repr(audience)})
    Article.objects.filter(pk=article.pk).update(category=category, audience=audience, updated_at=now)
    article.refresh_from_db()
    return article


@transaction.atomic
def article_unpublish(*, article: Article, by, now: datetime) -> Article:
    """Withdraw an article from every channel; its versions stay (publish again to bring it back)."""
    _check_editor(by)
    Article.objects.filter(pk=article.pk).update(
        published_at=None, live_version=None, search_vector=None, updated_at=now
    )
    article.refresh_from_db()
    return article


@transaction.atomic
def article_from_message(*, message, by, now: datetime) -> Article:
    """ "Turn this reply into an article": a draft, prefilled from a staff message, for ``by`` to edit
    and publish. Customer messages are refused (their text is not ours to publish)."""
    _check_editor(by)
    if not message.from_staff or message.kind == "system":
        raise KbError(gettext("Only a staff reply or note can become an article."))
    ticket = message.ticket
    body = (message.body or "").strip() or html_text(message.body_html or "")
    if not body:
        raise KbError(gettext("This message has no text to start an article from."))
    return article_create(
        title=ticket.subject,
        body=body,
        by=by,
        now=now,
        audience=Audience.STAFF,  # a draft anyway; staff-only until someone widens it on purpose
        note=Reason(
            _("From %(reference)s, message %(message)d"), reference=ticket.reference, message=message.pk
        ),
    )


def article_viewed(*, article: Article) -> None:
    """Count a reading of the portal page (one UPDATE, no read-modify-write race)."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + Value(1))


@transaction.atomic
def deflection_record(*, article_id: int, user, query: str, now: datetime) -> tuple[Deflection, bool]:
    """A customer says ``article`` answered their question: record it (once per customer, article and
    day) and file nothing. The article must be one they may read (``visible_to``): an id guessed from
    another tenant's list is refused like one that does not exist."""
    if not is_verified(user) or user.is_staff:
        raise KbError(gettext("Only a signed-in customer can mark an article as helpful."))
    article = Article.objects.visible_to(user).filter(pk=article_id).first()
    if article is None:
        raise ArticleNotFound(gettext("No such article."))
    day = now.date()
    existing = Deflection.objects.filter(article=article, user=user, day=day).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = Deflection.objects.create(
                article=article,
                user=user,
                organization_id=user.organization_id,
                query=" ".join((query or "").split())[:255],
                day=day,
                created_at=now,
            )
    except IntegrityError:  # the same click from another tab, at the same moment
        return Deflection.objects.get(article=article, user=user, day=day), False
    return row, True


ARTICLE_LINK = re.compile(r"/kb/articles/(?P<slug>[-\w]+)/")


@transaction.atomic
def ticket_links_record(*, message, now: datetime) -> int:
    """Record the articles a staff reply links to (what the desk's "insert article" puts in the text),
    for the dashboard's "articles linked to tickets". Returns how many new links were recorded."""
    if not message.from_staff:
        return 0
    slugs = set(ARTICLE_LINK.findall(message.body or ""))
    if not slugs:
        return 0
    found = Article.objects.live().filter(slug__in=slugs).values_list("pk", flat=True)
    already = set(
        TicketLink.objects.filter(ticket_id=message.ticket_id, article_id__in=found).values_list(
            "article_id", flat=True
        )
    )
    new = [
        TicketLink(article_id=pk, ticket_id=message.ticket_id, message=message, created_at=now)
        for pk in found
        if pk not in already
    ]
    TicketLink.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def acknowledgement_suggest(*, ticket, now: datetime) -> int:
    """Add the articles that match a new ticket's subject to its pending acknowledgement mails, each
    recipient's list through the same visibility rule as the portal (a copied stranger without an
    account reads public articles only). Written into the queued notification's context, so a retry
    sends the same list. Returns how many mails got suggestions."""
    pending = Notification.objects.filter(
        ticket=ticket,
        event="ticket_received",
        status__in=(Notification.Status.PENDING, Notification.Status.HELD),
    ).select_related("recipient_user", "recipient_user__organization")
    touched = 0
    for notification in pending:
        reader = notification.recipient_user or AnonymousUser()
        found = article_suggestions(user=reader, text=ticket.subject)
        if not found:
            continue
        notification.context = {
            **notification.context,
            "kb_articles": [{"title": a.title, "url": article_url(a, absolute=True)} for a in found[:3]],
        }
        notification.save(update_fields=["context"])
        touched += 1
    return touched
