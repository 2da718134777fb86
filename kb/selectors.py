"""Named reads of the knowledge base that the portal, the API, the desk and the mail share.

Search is PostgreSQL full-text search: a stored ``tsvector`` (title weighted A, body B, kept by
``kb.services``) behind a GIN index, queried with ``websearch_to_tsquery``, ranked with ``ts_rank`` and
quoted with ``ts_headline``. On SQLite (``make run``) it is a plain scan of the visible articles with
the same interface: every word must appear (any word, for suggestions), title hits rank higher, and the
snippet is cut around the first hit. Both go through ``Article.objects.visible_to(user)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tickets.reasons import kept_words

from .models import Article, ArticleVersion, Category, Deflection, TicketLink

CONFIG = "english"
MAX_WORDS = 12  # a longer query is cut: nobody types more into a subject, and it bounds the work
SUGGESTION_LIMIT = 5
# Words too common to say anything about a question (the SQLite scan has no dictionary to drop them).
STOPWORDS = frozenset(
    "a an and are as at be but by can cannot do does for from has have how i if in is it its me my no "
    "not of on or our so that the their there this to up us was we what when where which who why will "
    "with you your".split()
)
_START, _STOP = "\x02", "\x03"  # ts_headline's markers, turned into <mark> after escaping


def query_words(text: str) -> list[str]:
    words = [w for w in re.findall(r"\w+", (text or "").lower()) if w not in STOPWORDS and len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308


def article_search(*, user, query: str, limit: int = 20, any_word: bool = False) -> list[Article]:
    """Published articles ``user`` may read that match ``query``, best first, each with ``snippet``
    (safe HTML, hits in ``<mark>``). ``any_word`` (suggestions while typing) matches articles with any
    of the words instead of all of them. One query."""
    words = query_words(query)
    if not words:
        return []
    visible = Article.objects.visible_to(user).select_related("category")
    if _uses_postgres():
        # websearch_to_tsquery never raises on odd input; for "any word" the words are joined with its
        # "or" operator (they are \w+ tokens, so the user cannot inject syntax).
        text = " or ".join(words) if any_word else " ".join(words)
        sq = SearchQuery(text, search_type="websearch", config=CONFIG)
        rows = list(
            visible.filter(search_vector=sq)
            .annotate(
                rank=SearchRank(F("search_vector"), sq),
                headline=SearchHeadline(
                    "body_text",
                    sq,
                    config=CONFIG,
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=30,
                    min_words=12,
                ),
            )
            .defer("body_html", "search_vector")
            .order_by("-rank", "id")[:limit]
        )
        for row in rows:
            row.snippet = _marked(row.headline)
        return rows
    return _scan(visible, words, limit=limit, any_word=any_word)


def _scan(visible, words: list[str], *, limit: int, any_word: bool) -> list[Article]:
    """The SQLite fallback: a plain scan with LIKE, ranked in Python."""
    conditions = [Q(title__icontains=w) | Q(body_text__icontains=w) for w in words]
    combined = conditions[0]
    for c in conditions[1:]:
        combined = (combined | c) if any_word else (combined & c)
    rows = list(visible.filter(combined).defer("body_html", "search_vector")[:500])
    for row in rows:
        title, body = row.title.lower(), row.body_text.lower()
        row.rank = sum(3 * title.count(w) + min(body.count(w), 5) for w in words)
        row.snippet = _snippet(row.body_text, words)
    rows.sort(key=lambda r: (-r.rank, r.id))
    return rows[:limit]


def _snippet(text: str, words: list[str], width: int = 180) -> SafeString:
    lowered = text.lower()
    hits = [i for i in (lowered.find(w) for w in words) if i >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    piece = text[start : start + width]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    marked = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", piece)
    return _marked(("… " if start else "") + marked + (" …" if start + width < len(text) else ""))


def article_suggestions(*, user, text: str) -> list[Article]:
    """What to offer someone typing ``text`` (a ticket subject): the best few matches on any word."""
    return article_search(user=user, query=text, limit=SUGGESTION_LIMIT, any_word=True)


def articles_browse(*, user, category: Category | None = None):
    """The portal's and the API's list: what ``user`` may read, by category then title."""
    qs = Article.objects.visible_to(user).select_related("category")
    qs = qs.defer("body_html", "body_text", "search_vector")
    if category is not None:
        qs = qs.filter(category=category)
    return qs.order_by(F("category__position").asc(nulls_last=True), "category__name", "title", "id")


def categories_visible(*, user):
    """Categories with at least one article ``user`` may read, each with ``article_count``."""
    visible = Article.objects.visible_to(user).values("pk")
    return (
        Category.objects.annotate(article_count=Count("articles", filter=Q(articles__in=visible)))
        .filter(article_count__gt=0)
        .order_by("position", "name")
    )


def article_history(*, article: Article):
    return ArticleVersion.objects.filter(article=article).select_related("author").order_by("-number")


def article_history_read(*, article: Article) -> list[ArticleVersion]:
    """The versions, newest first, each with ``note_words``: its note for the editor reading it (a note
    the desk wrote in their language, a person's note as written)."""
    versions = list(article_history(article=article))
    for version in versions:
        version.note_words = kept_words(version.note, version.note_kept)
    return versions


def article_latest_version(*, article: Article) -> ArticleVersion | None:
    return article_history(article=article).first()


@dataclass(frozen=True)
class KbFigures:
    views: int
    deflections: int
    deflections_since: int
    linked_articles: int
    linked_tickets: int
    published: int
    drafts: int
    top: list


def kb_figures(*, since: datetime) -> KbFigures:
    """The desk dashboard's knowledge-base figures: views (all time), deflections (all time and since
    ``since``), articles linked to tickets in staff replies, and the most useful articles."""
    articles = Article.objects.aggregate(
        views=Sum("views"),
        published=Count("pk", filter=Article.objects.live_q()),
        drafts=Count("pk", filter=~Article.objects.live_q()),
    )
    deflections = Deflection.objects.aggregate(
        total=Count("pk"), since=Count("pk", filter=Q(created_at__gte=since))
    )
    links = TicketLink.objects.aggregate(
        articles=Count("article", distinct=True), tickets=Count("ticket", distinct=True)
    )
    top = list(
        Article.objects.live()
        .annotate(
            deflection_count=Count("deflections", distinct=True),
            link_count=Count("ticket_links", distinct=True),
        )
        .only("pk", "slug", "title", "views")
        .order_by("-deflection_count", "-views", "title")[:5]
    )
    return KbFigures(
        views=articles["views"] or 0,
        deflections=deflections["total"],
        deflections_since=deflections["since"],
        linked_articles=links["articles"],
        linked_tickets=links["tickets"],
        published=articles["published"],
        drafts=articles["drafts"],
        top=top,
    )
