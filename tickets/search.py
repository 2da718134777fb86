"""Full-text search over tickets: one module for the desk, the API and the portal.

What a ticket's search documents hold (subject; requester and organization names; form field values;
message bodies; attachment names) is defined once, in SQL, by ``helpdesk_ticket_search_refresh``
(migration ``tickets/0014_ticket_search``), and kept by triggers in ``tickets_ticketsearch``.
The query language is PostgreSQL's ``websearch_to_tsquery``: words (all must match, stemmed in
English), ``"quoted phrases"``, ``-exclude`` and ``OR``. A ticket reference (``HD-12``) also finds that
ticket.

Who may read what is not decided here: the tickets come from ``Ticket.objects.visible_to(user)``, and
this module only picks the document the reader may search (internal notes for staff only, as
``tickets.attachments.attachments_visible_to`` and the thread views do).

On SQLite (``make run``) there is no index: the same grammar is parsed here and matched as a plain scan
(case-insensitive substrings, no stemming, subject matches first), good for a development desk.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.safestring import SafeString, mark_safe

from . import policy
from .models import Attachment, Message, Ticket, TicketSearch

CONFIG = "english"  # must match the configuration in helpdesk_ticket_search_refresh
# A broad search ranks its newest matches only (by id, the order tickets arrive): ranking every one
# of 300,000 matches is what makes full-text search slow at a million tickets. Narrow searches (fewer
# matches than this) are ranked in full.
RANK_WINDOW = 1000
# How many of the newest tickets a results page walks, newest first, before it reads the older ones through
# the index alone (``candidates``): about 20-40 ms of documents at most.
WALK = 20_000
MAX_QUERY = 200
_START, _STOP = "\x02", "\x03"  # ts_headline's markers, replaced by <mark> after escaping the text
HEADLINE_OPTIONS = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"


def postgres() -> bool:
    return connection.vendor == "postgresql"


def reads_internal(user) -> bool:
    """Staff search internal notes and their files; customers never do (the thread views' rule)."""
    return bool(user.is_staff)


def document_of(user) -> str:
    return "staff_document" if reads_internal(user) else "public_document"


def visible_kinds(user) -> list[str]:
    return [Message.Kind.PUBLIC, Message.Kind.INTERNAL] if reads_internal(user) else [Message.Kind.PUBLIC]


def _tsquery(text: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(text, config=CONFIG, search_type="websearch")


# --- matching -------------------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(text: str) -> str:
    """What was typed, as one line: control characters (a NUL is refused by PostgreSQL; \x02 and \x03
    are the snippets' markers) become spaces."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:MAX_QUERY]


def query_text(text: str) -> str:
    """What PostgreSQL parses: the words as typed, or also the ticket's own lexeme when they are a
    reference (``HD-12``: 'hdref12', stored in every document), so a reference is an index lookup too."""
    number = policy.parse_reference(text)
    return f"hdref{number} OR {text}" if number is not None else text


def match_q(text: str, reader) -> Q:
    """The condition "matches ``text``" for tickets, on the document ``reader`` may search."""
    text = clean(text)
    if postgres():
        return Q(**{f"search__{document_of(reader)}": _tsquery(query_text(text))})
    number = policy.parse_reference(text)
    return _scan_q(parse(text), reader) | (Q(pk=number) if number is not None else Q(pk__in=[]))


def search_filter(qs: QuerySet[Ticket], *, text: str, reader) -> QuerySet[Ticket]:
    """``qs`` narrowed to the tickets whose documents match ``text`` (or whose reference it is).

    ``qs`` is already scoped by ``visible_to(reader)``; no order is imposed here."""
    return qs.filter(match_q(text, reader)) if clean(text) else qs


def rank_expression(text: str, reader):
    """Best first: ``ts_rank`` of the reader's document (on SQLite: 1 for a subject match, else 0)."""
    text = clean(text)
    if postgres():
        from django.contrib.postgres.search import SearchRank
        from django.db.models import F

        return SearchRank(F(f"search__{document_of(reader)}"), _tsquery(query_text(text)))
    subject = Q(pk__in=[])
    for term in [t for clause in parse(text) for t, negated in clause if not negated]:
        subject |= Q(subject__icontains=term)
    return Case(When(subject, then=Value(1.0)), default=Value(0.0), output_field=FloatField())


def candidates(
    qs: QuerySet[Ticket],
    *,
    text: str,
    reader,
    flags: dict[str, Q] | None = None,
    window: int = RANK_WINDOW,
    few: bool = False,
) -> list[tuple]:
    """The newest ``window`` matches as (id, rank, *flags) rows, newest first: what a results page ranks,
    counts and pages through without touching the rest. ``flags``: named conditions evaluated per row
    (the desk's tabs).

    On PostgreSQL the plan is not left to the planner's guess of how many documents match: that guess is
    often wrong by 10-100x (a phrase of common words, a common word with an exclusion), and the plan
    chosen on a wrong guess walks every document of a million or sorts every match. Instead, two bounded
    reads: first the newest ``WALK`` tickets, walked newest first (the cost is at most ``WALK``
    documents); if they hold a full window, those are the newest matches and we are done (broad and
    common searches). Otherwise matches are rare among recent tickets, and the older ones are read through
    the full-text index only, which costs what the index holds for the words, not the table's size.

    ``few``: ``qs`` is a small set read through its own indexes (a customer's tickets): matched and cut
    to the window in one query, ranking only the window."""
    flags = flags or {}
    if not clean(text):
        return _candidate_rows(qs, text=text, reader=reader, flags=flags, window=window)
    if few or not postgres():
        matched = search_filter(qs, text=text, reader=reader)
        return _candidate_rows(matched, text=text, reader=reader, flags=flags, window=window)
    # Both ends of the primary key in one query (two index endpoint reads): the walk starts at the newest,
    # and there is no second read when no ticket is older than the walk's bound (a small desk; and so the
    # query count does not hang on how far the id sequence has run).
    ends = Ticket.objects.aggregate(newest=Max("pk"), oldest=Min("pk"))
    newest, oldest = ends["newest"] or 0, ends["oldest"] or 0
    boundary = newest - WALK
    # Both sides of the join carry the bound: the tickets' and the documents' own key, so neither walk
    # can run past it looking for a match.
    documents = TicketSearch.objects.filter(**{document_of(reader): _tsquery(query_text(clean(text)))})
    recent = qs.filter(pk__gt=boundary, pk__in=documents.filter(ticket_id__gt=boundary).values("ticket_id"))
    rows = _planned(
        "SET LOCAL enable_bitmapscan = off",  # the walk: the primary keys backwards, no index guesses
        lambda: _candidate_rows(recent, text=text, reader=reader, flags=flags, window=window),
    )
    if len(rows) < window and oldest <= boundary:  # fewer than a window among the newest: the older ones
        older = qs.filter(
            pk__lte=boundary, pk__in=documents.filter(ticket_id__lte=boundary).values("ticket_id")
        )
        rows += _planned(
            # the rest by the GIN index alone; enough memory that its bitmap stays exact (no lossy pages
            # to recheck document by document)
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL work_mem = '32MB';"
            " SET LOCAL jit = off",
            lambda: _candidate_rows(older, text=text, reader=reader, flags=flags, window=window - len(rows)),
        )
    return rows


def _planned(settings_sql: str, read):
    """``read()`` (a list, read in full) under planner settings that end with it. The block is rolled
    back, not committed: ``SET LOCAL`` lasts to the end of the transaction, so inside a caller's
    transaction a released savepoint would leave the settings on for every later query; a savepoint
    rolled back takes them away (it wrote nothing)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(settings_sql)
        rows = read()
        transaction.set_rollback(True)
    return rows


def _candidate_rows(
    matched: QuerySet[Ticket], *, text: str, reader, flags: dict[str, Q], window: int
) -> list:
    """(id, rank, *flags) of the newest ``window`` tickets of ``matched``, newest first. The rank and the
    flags are computed for those rows only (the ids are chosen first, in a subquery), and nothing wide
    (no document) is carried through a sort."""
    annotations = {
        # An empty Q (the "all" tab) is every row: When() refuses it, so it is spelled as a constant.
        f"flag_{name}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
        if q
        else Value(1, output_field=IntegerField())
        for name, q in flags.items()
    }
    newest = matched.order_by("-pk").values("pk")[:window]
    return list(
        Ticket.objects.filter(pk__in=Subquery(newest))
        .annotate(search_rank=rank_expression(text, reader), **annotations)
        .order_by("-id")
        .values_list("pk", "search_rank", *annotations)
    )


def best_first(rows: list[tuple], text: str) -> list[tuple]:
    """Candidate rows best first: the ticket whose reference was typed, then by rank, then newest."""
    number = policy.parse_reference(clean(text))
    return sorted(rows, key=lambda r: (r[0] != number, -r[1], -r[0]))


# --- snippets -------------------------------------------------------------------------------------


def _marked(text: str) -> SafeString:
    """ts_headline's output is the raw message text: escape all of it, then turn the markers into tags."""
    escaped = html.escape(text.replace("\r", " ").replace("\n", " "))
    opened = escaped.count(_START)
    out = escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
    out += "</mark>" * max(0, opened - escaped.count(_STOP))  # a marker typed into a message
    return mark_safe(out)  # noqa: S308 - every character of the text is escaped above


def snippets(ticket_ids: list[int], *, text: str, reader) -> dict[int, SafeString]:
    """For each ticket of a page, the newest message it may read that matches, with the matching words
    marked: one query, whatever the page size."""
    text = clean(text)
    if not ticket_ids or not text:
        return {}
    kinds = visible_kinds(reader)
    if postgres():
        sql = f"""
            SELECT DISTINCT ON (m.ticket_id) m.ticket_id,
                   ts_headline('{CONFIG}', left(m.body, 20000), q.query, %s)
            FROM {Message._meta.db_table} m, websearch_to_tsquery('{CONFIG}', %s) q(query)
            WHERE m.ticket_id = ANY(%s) AND m.kind = ANY(%s)
              AND to_tsvector('{CONFIG}', left(m.body, 20000)) @@ q.query
            ORDER BY m.ticket_id, m.created_at DESC, m.id DESC
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [HEADLINE_OPTIONS, query_text(text), list(ticket_ids), kinds])
            return {ticket_id: _marked(headline) for ticket_id, headline in cursor.fetchall()}
    terms = [t for clause in parse(text) for t, negated in clause if not negated]
    if not terms:
        return {}
    matching = Q(pk__in=[])
    for term in terms:
        matching |= Q(body__icontains=term)
    found: dict[int, SafeString] = {}
    rows = (
        Message.objects.filter(matching, ticket_id__in=ticket_ids, kind__in=kinds)
        .order_by("-created_at", "-id")
        .values_list("ticket_id", "body")
    )
    for ticket_id, body in rows:
        if ticket_id not in found:
            found[ticket_id] = _marked(_scan_headline(body, terms))
    return found


def _scan_headline(body: str, terms: list[str], width: int = 160) -> str:
    lower = body.lower()
    first = min((i for i in (lower.find(t.lower()) for t in terms) if i >= 0), default=0)
    start = max(0, first - width // 3)
    window = body[start : start + width]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    marked = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", window)
    return ("… " if start else "") + marked + (" …" if start + width < len(body) else "")


# --- the plain scan (SQLite) ------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse(text: str) -> list[list[tuple[str, bool]]]:
    """websearch_to_tsquery's grammar: OR-separated clauses, each a list of (word or phrase, negated)."""
    clauses: list[list[tuple[str, bool]]] = [[]]
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word.upper() == "OR":
                if clauses[-1]:
                    clauses.append([])
                continue
            negated, word = ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
            term = word.strip("\"'.,;:!?()[]{}")
        else:
            term = " ".join(phrase.split())
        if term:
            clauses[-1].append((term, bool(negated)))
    return [c for c in clauses if c]


def _term_q(term: str, reader) -> Q:
    messages = Message.objects.filter(
        ticket_id=OuterRef("pk"), kind__in=visible_kinds(reader), body__icontains=term
    )
    files = Attachment.objects.filter(ticket_id=OuterRef("pk"), filename__icontains=term)
    if not reads_internal(reader):
        files = files.filter(Q(message__isnull=True) | Q(message__kind=Message.Kind.PUBLIC))
    return (
        Q(subject__icontains=term)
        | Q(description__icontains=term)
        | Q(request_fields__icontains=term)
        | Q(requester__full_name__icontains=term)
        | Q(requester__email__icontains=term)
        | Q(organization__name__icontains=term)
        | Q(organization__customer_number__iexact=term)
        | Exists(messages)
        | Exists(files)
    )


def _scan_q(clauses: list[list[tuple[str, bool]]], reader) -> Q:
    if not clauses:
        return Q(pk__in=[])
    any_clause = Q(pk__in=[])
    for clause in clauses:
        every = Q()
        for term, negated in clause:
            every &= ~_term_q(term, reader) if negated else _term_q(term, reader)
        any_clause |= every
    return any_clause


# --- maintenance ----------------------------------------------------------------------------------


def documents_rebuild(*, after_id: int = 0, batch: int = 5000) -> int:
    """Recompute the search documents of every ticket with an id above ``after_id`` (PostgreSQL), in
    batches: after a restore, or a bulk load that ran without triggers (``seed_bulk`` as superuser).
    Returns how many tickets were indexed."""
    if not postgres():
        return 0
    done, last = 0, after_id
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT array_agg(id) FROM (SELECT id FROM {Ticket._meta.db_table} WHERE id > %s "
                "ORDER BY id LIMIT %s) b",
                [last, batch],
            )
            ids = cursor.fetchone()[0]
            if not ids:
                break
            cursor.execute("SELECT helpdesk_ticket_search_refresh(%s::bigint[], false)", [ids])
            done, last = done + len(ids), max(ids)
        cursor.execute("ANALYZE tickets_ticketsearch")
    return done


@dataclass
class SearchResults:
    """One page of ranked results, with what the page says about them."""

    rows: list[Ticket]
    snippets: dict[int, SafeString]
    matched: int  # how many matched, up to the window
    capped: bool  # more matched than the window: the page ranks the newest ``matched``
    page: int
    has_next: bool
