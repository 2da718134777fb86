"""Full-text search (tickets.search): the grammar, who finds what, and the document kept up to date.

Every test here runs on PostgreSQL (the tsvector documents kept by triggers) and on SQLite (the plain
scan); the few that read the stored documents say so.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import NOW
from tickets.models import Message, Ticket, TicketSearch
from tickets.search import WALK, parse, search_filter
from tickets.services import (
    attachment_add,
    message_add,
    ticket_close,
    ticket_create,
    ticket_edit_request,
    ticket_merge,
)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads the stored tsvector documents (PostgreSQL)"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def file(customer, priorities):
    def make(subject, description="", requester=None, minutes_ago=0, **kw):
        at = NOW - timedelta(minutes=minutes_ago)
        return ticket_create(
            requester=requester or customer,
            subject=subject,
            description=description,
            priority=priorities["normal"],
            received_at=at,
            now=at,
            **kw,
        )

    return make


def found(text, reader) -> set[str]:
    qs = search_filter(Ticket.objects.visible_to(reader), text=text, reader=reader)
    return set(qs.values_list("subject", flat=True))


def api_found(text, reader, path="/api/tickets/") -> set[str]:
    client = APIClient()
    client.force_authenticate(reader)
    response = client.get(path, {"q": text, "page_size": 200})
    assert response.status_code == 200, response.content
    return {row["subject"] for row in response.json()["results"]}


def portal_found(client, text, reader) -> str:
    client.force_login(reader)
    response = client.get(reverse("portal:ticket_list"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


# --- the grammar ----------------------------------------------------------------------------------


def test_it_parses_words_phrases_exclusions_and_or():
    assert parse('fax "dial tone" -toner OR scanner') == [
        [("fax", False), ("dial tone", False), ("toner", True)],
        [("scanner", False)],
    ]
    assert parse('OR "unclosed phrase') == [[("unclosed phrase", False)]]


def test_a_quoted_phrase_finds_the_words_in_that_order_only(file, tech):
    file("In order", "The printer jammed twice this morning")
    file("Other order", "It jammed, the printer, twice")
    assert found('"printer jammed"', tech) == {"In order"}
    assert found("printer jammed", tech) == {"In order", "Other order"}


def test_a_minus_word_excludes_tickets_that_contain_it(file, tech):
    file("Fax toner", "The fax needs toner")
    file("Fax line", "The fax line is silent")
    assert found("fax -toner", tech) == {"Fax line"}


def test_or_finds_either_word(file, tech):
    file("Scanner", "The scanner is offline")
    file("Projector", "The projector flickers")
    file("Kettle", "The kettle is cold")
    assert found("scanner OR projector", tech) == {"Scanner", "Projector"}


def test_it_searches_form_fields_attachments_requester_and_organization(file, tech, customer, org):
    ticket = file("Plain subject", request_fields={"extension": "Zanzibar-4411"})
    attachment_add(
        ticket=ticket,
        upload=SimpleUploadedFile("quokka-trace.log", b"line\n", content_type="text/plain"),
        by=customer,
    )
    assert found("Zanzibar", tech) == {"Plain subject"}
    assert found("quokka", tech) == {"Plain subject"}
    assert found("Casey", tech) == {"Plain subject"}  # the requester's name
    assert found("Acme", tech) == {"Plain subject"}  # the organization's name


def test_a_reference_finds_that_ticket_first(client, file, tech):
    wanted = file("Wanted")
    file(f"Mentions {wanted.pk} in passing", f"see {wanted.pk}")
    client.force_login(tech)
    html = client.get(reverse("desk:search"), {"q": wanted.reference}).content.decode()
    rows = [line for line in html.splitlines() if "data-ticket=" in line]
    assert rows and f'data-ticket="{wanted.pk}"' in rows[0]


def test_a_subject_match_ranks_above_a_match_in_the_thread(client, file, tech):
    file("Newer: unrelated subject", "a walrus was seen in the thread", minutes_ago=0)
    older = file("Walrus in the subject", "nothing else", minutes_ago=60)
    client.force_login(tech)
    html = client.get(reverse("desk:search"), {"q": "walrus"}).content.decode()
    rows = [line for line in html.splitlines() if "data-ticket=" in line]
    assert len(rows) == 2 and f'data-ticket="{older.pk}"' in rows[0]


# --- who finds what -----------------------------------------------------------------------------


def test_internal_notes_are_found_by_staff_only(client, file, tech, customer):
    ticket = file("Phones down", "All lines dead")
    message_add(
        ticket=ticket, author=tech, body="Carrier says zebrafish outage", kind=Message.Kind.INTERNAL, now=NOW
    )
    assert found("zebrafish", tech) == {"Phones down"}
    assert api_found("zebrafish", tech) == {"Phones down"}
    assert api_found("zebrafish", tech, "/api/queue/") == {"Phones down"}
    assert found("zebrafish", customer) == set()
    assert api_found("zebrafish", customer) == set()
    assert "Phones down" not in portal_found(client, "zebrafish", customer)
    # The customer still finds the ticket by what they may read.
    assert "Phones down" in portal_found(client, "lines dead", customer)


def test_files_of_internal_notes_are_found_by_staff_only(file, tech, customer):
    ticket = file("Phones down")
    note = message_add(ticket=ticket, author=tech, body="see log", kind=Message.Kind.INTERNAL, now=NOW)
    attachment_add(
        ticket=ticket,
        message=note,
        upload=SimpleUploadedFile("okapi-carrier.log", b"line\n", content_type="text/plain"),
        by=tech,
    )
    assert found("okapi", tech) == {"Phones down"}
    assert found("okapi", customer) == set()


def test_customers_never_find_another_organizations_tickets(client, file, customer, stranger, colleague):
    file("Acme outage", "Narwhal trunk down")
    assert found("narwhal", customer) == {"Acme outage"}
    for outsider in (stranger,):
        assert found("narwhal", outsider) == set()
        assert api_found("narwhal", outsider) == set()
        assert "Acme outage" not in portal_found(client, "narwhal", outsider)
    # Inside the organization the one visibility rule decides: shared tickets are found, others not.
    org = colleague.organization
    org.shares_tickets = False
    org.save()
    colleague.refresh_from_db()
    assert found("narwhal", colleague) == set()
    assert api_found("narwhal", colleague) == set()
    org.shares_tickets = True
    org.save()
    colleague.refresh_from_db()
    assert found("narwhal", colleague) == {"Acme outage"}
    # And by reference: another organization's ticket number finds nothing either.
    acme = Ticket.objects.get(subject="Acme outage")
    assert found(acme.reference, stranger) == set()
    assert api_found(acme.reference, stranger) == set()


def test_the_queue_api_is_staff_only_even_with_a_search(customer):
    client = APIClient()
    client.force_authenticate(customer)
    assert client.get("/api/queue/", {"q": "anything"}).status_code == 403


# --- the document follows every change ----------------------------------------------------------


def test_a_new_message_is_found_at_once(file, tech, customer):
    ticket = file("Phones down")
    assert found("capybara", tech) == set()
    message_add(ticket=ticket, author=customer, body="A capybara chewed the cable", now=NOW)
    assert found("capybara", tech) == {"Phones down"}
    assert found("capybara", customer) == {"Phones down"}


def test_an_edited_request_is_found_by_its_new_words_only(file, tech, customer):
    ticket = file("Gramophone hum", "It hums")
    ticket_edit_request(
        ticket=ticket, by=tech, now=NOW, subject="Turntable hum", request_fields={"x": "axolotl"}
    )
    assert found("gramophone", tech) == set()
    assert found("turntable", tech) == {"Turntable hum"}
    assert found("axolotl", tech) == {"Turntable hum"}


def test_an_edited_message_is_found_by_its_new_words_only(file, tech):
    ticket = file("Phones down")
    message = message_add(ticket=ticket, author=tech, body="Try the pangolin adapter", now=NOW)
    Message.objects.filter(pk=message.pk).update(body="Try the other adapter")  # a correction, any writer
    assert found("pangolin", tech) == set()
    assert found("other adapter", tech) == {"Phones down"}


def test_a_merged_ticket_is_found_through_its_target(file, tech, customer):
    source = file("Duplicate report", "The lemur line is dead")
    target = file("Original report", "Lines dead")
    message_add(ticket=source, author=customer, body="Still no tapir tone", now=NOW)
    ticket_merge(source=source, target=target, by=tech, now=NOW)
    # The thread moved: the target is found by it; the closed source keeps only its own request text.
    assert found("tapir", tech) == {"Original report"}
    assert found("tapir", customer) == {"Original report"}
    assert found("lemur", tech) == {"Duplicate report", "Original report"}


def test_erased_words_are_no_longer_found(file, tech, customer):
    """What a privacy erasure writes (the thread and the person's name overwritten in place) leaves the
    search documents, whichever code writes it."""
    ticket = file("Phones down", "Call me on the ocelot line")
    Message.objects.filter(ticket=ticket).update(body="[erased]")
    Ticket.objects.filter(pk=ticket.pk).update(description="[erased]")
    type(customer).objects.filter(pk=customer.pk).update(full_name="Erased person", email="erased-1@invalid")
    assert found("ocelot", tech) == set()
    assert found("Casey", tech) == set()
    assert found("erased person", tech) == {"Phones down"}


@postgres_only
def test_a_deleted_ticket_leaves_no_document(file):
    ticket = file("Short-lived")
    assert TicketSearch.objects.filter(ticket_id=ticket.pk).exists()
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert not TicketSearch.objects.filter(ticket_id=ticket.pk).exists()


@postgres_only
def test_every_ticket_has_its_documents_and_notes_stay_out_of_the_public_one(file, tech):
    ticket = file("Phones down", "public words")
    message_add(ticket=ticket, author=tech, body="secret wombat", kind=Message.Kind.INTERNAL, now=NOW)
    row = TicketSearch.objects.get(ticket_id=ticket.pk)
    assert "wombat" in row.staff_document and "wombat" not in row.public_document


# --- the pages ------------------------------------------------------------------------------------


def test_the_results_page_finds_closed_tickets_and_combines_with_filters(client, file, tech, customer):
    closed = file("Beaver fax", "beaver")
    ticket_close(ticket=closed, by=tech, reason="done", now=NOW)
    file("Beaver phone", "beaver")
    client.force_login(tech)

    def subjects(**params):
        html = client.get(reverse("desk:search"), {"q": "beaver", **params}).content.decode()
        return {s for s in ("Beaver fax", "Beaver phone") if s in html}

    assert subjects() == {"Beaver fax", "Beaver phone"}
    assert subjects(status="closed") == {"Beaver fax"}
    assert subjects(view="mine") == set()
    # The queue keeps to open work: the same words there find the open ticket only.
    queue = client.get(reverse("desk:queue"), {"q": "beaver"}).content.decode()
    assert "Beaver phone" in queue and "Beaver fax" not in queue


@pytest.mark.parametrize("walk", [2, 5, 1000])
def test_the_results_are_the_newest_matches_whether_the_walk_or_the_index_finds_them(
    file, tech, monkeypatch, walk
):
    """The results page reads the newest WALK tickets by walking them, then the older ones through the
    index: what it finds is the same newest matches, newest first, wherever the boundary falls; with
    tab flags per row; and a window smaller than the matches keeps the newest."""
    from tickets import search
    from tickets.desk.queue import view_q

    monkeypatch.setattr(search, "WALK", walk)
    tickets = [
        file(f"Osprey {i}", "osprey nest" if i % 3 else "heron nest", minutes_ago=20 - i) for i in range(12)
    ]
    ticket_assign_to = tickets[4]
    from tickets.services import ticket_assign

    ticket_assign(ticket=ticket_assign_to, agent=tech, by=tech, now=NOW)
    file("Unrelated", "nothing here")  # the newest ticket matches nothing
    ospreys = sorted((t.pk for t in tickets if "Osprey" in t.subject and tickets.index(t) % 3), reverse=True)
    mine = {"mine": view_q("mine", agent=tech, now=NOW)}

    rows = search.candidates(Ticket.objects.visible_to(tech), text="osprey -heron", reader=tech, flags=mine)
    assert [r[0] for r in rows] == ospreys
    assert {r[0] for r in rows if r[2]} == {ticket_assign_to.pk}
    assert all(r[1] > 0 for r in rows)  # ranked
    three = search.candidates(Ticket.objects.visible_to(tech), text="osprey -heron", reader=tech, window=3)
    assert [r[0] for r in three] == ospreys[:3]
    assert search.candidates(Ticket.objects.visible_to(tech), text='"heron osprey"', reader=tech) == []


@postgres_only
def test_the_searchs_planner_settings_end_with_it_inside_a_callers_transaction(file, tech, monkeypatch):
    from django.db import transaction

    from tickets import search

    monkeypatch.setattr(search, "WALK", 1)  # both reads run
    for i in range(3):
        file(f"Osprey {i}", "osprey nest", minutes_ago=i)
    with transaction.atomic(), connection.cursor() as cursor:
        assert len(search.candidates(Ticket.objects.all(), text="osprey", reader=tech)) == 3
        settings = ("enable_bitmapscan", "enable_seqscan", "enable_indexscan", "jit")
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in settings))
        assert cursor.fetchone()[:3] == ("on", "on", "on")


def test_the_portal_search_pages_through_every_match_with_its_filters(client, file, tech, customer):
    for i in range(27):
        file(f"Plover {i:02}", "plover line", minutes_ago=i)
    ticket_close(ticket=file("Plover closed", "plover line", minutes_ago=40), by=tech, reason="done", now=NOW)
    client.force_login(customer)

    def page(**params):
        response = client.get(reverse("portal:ticket_list"), {"q": "plover", **params})
        return {t.subject for t, _ in response.context["rows"]}

    first, second = page(), page(page=2)
    assert len(first) == 25 and len(second) == 3 and not first & second
    assert first | second == {f"Plover {i:02}" for i in range(27)} | {"Plover closed"}
    assert page(status="closed") == {"Plover closed"}


def test_snippets_mark_the_words_and_escape_the_message(client, file, tech):
    file("Phones down", "the heron<img src=x onerror=alert(1)> line & <script>alert(2)</script> is dead")
    client.force_login(tech)
    for name in ("desk:search", "desk:queue"):
        html = client.get(reverse(name), {"q": "heron"}).content.decode()
        assert "<mark>heron</mark>" in html
        assert "<img src=x" not in html and "<script>alert(2)" not in html


def test_a_snippet_is_escaped_before_its_marks_are_added():
    from tickets.search import _marked

    assert _marked("a \x02<b>\x03 & \x02x") == "a <mark>&lt;b&gt;</mark> &amp; <mark>x</mark>"


@pytest.mark.parametrize(
    "text",
    [
        "the",
        '"',
        "-",
        "OR",
        "OR OR",
        "-fax",
        "a\x00b",
        "x" * 5000,
        "'); DROP TABLE x; --",
        "HD-" + "9" * 40,
        "\x02\x03",
    ],
)
def test_odd_searches_answer_never_fail(client, file, tech, customer, text):
    file("Still here", "fax")
    client.force_login(tech)
    for name in ("desk:search", "desk:queue"):
        assert client.get(reverse(name), {"q": text}).status_code == 200
    api = APIClient()
    api.force_authenticate(tech)
    for path in ("/api/tickets/", "/api/queue/"):
        assert api.get(path, {"q": text}).status_code in (200, 400)
    client.force_login(customer)
    assert client.get(reverse("portal:ticket_list"), {"q": text}).status_code == 200


def test_an_empty_search_page_goes_back_to_the_queue(client, tech):
    client.force_login(tech)
    response = client.get(reverse("desk:search"), {"q": " ", "priority": "urgent"})
    assert response.status_code == 302 and response["Location"] == "/desk/?priority=urgent"


def test_the_search_is_in_the_openapi_schema(client, tech):
    client.force_login(tech)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/tickets/", "/api/queue/"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert "q" in names, path


# --- query counts ---------------------------------------------------------------------------------

# Session, user and their groups; the candidates (the newest ticket's id, then the walk of the newest
# tickets under its planner setting, in a savepoint rolled back: 5 statements, see tickets.search.candidates), the
# page's rows, their snippets; the three filter lists and the incident banner. (A large desk whose newest
# tickets hold fewer than a window of matches reads the older ones too: 5 more.)
SEARCH_PAGE_QUERIES = 15


def ids_past_the_walk():
    """As on a test worker that ran other tests first, or a desk whose early tickets were deleted: the
    ticket id sequence far past the walk's length (a sequence is not rolled back with a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'),"
            " nextval(pg_get_serial_sequence('tickets_ticket', 'id')) + %s)",
            [WALK + 100],
        )


@postgres_only  # counts PostgreSQL's reads (the walk, its savepoint and planner settings)
@pytest.mark.parametrize("ahead", [False, True], ids=["ids-from-1", "ids-past-the-walk"])
@pytest.mark.parametrize("count", [1, 30])
def test_the_results_page_costs_the_same_queries_for_any_page(
    client, file, tech, count, ahead, django_assert_num_queries
):
    if ahead:  # no ticket is older than the walk's bound: no second read (it cost five queries)
        ids_past_the_walk()
    for i in range(count):
        file(f"Kestrel {i}", "the kestrel trunk", minutes_ago=i)
    client.force_login(tech)
    with django_assert_num_queries(SEARCH_PAGE_QUERIES):
        response = client.get(reverse("desk:search"), {"q": "kestrel"})
    assert response.content.decode().count("<tr data-ticket=") == min(count, 25)


@postgres_only  # counts PostgreSQL's reads (the walk, its savepoint and planner settings)
@pytest.mark.parametrize("ahead", [False, True], ids=["ids-from-1", "ids-past-the-walk"])
@pytest.mark.parametrize("count", [1, 30])
def test_the_queue_with_words_costs_one_query_more_for_any_page(
    client, file, tech, count, ahead, django_assert_num_queries
):
    from tests.desk.test_queue import QUEUE_PAGE_QUERIES

    if ahead:
        ids_past_the_walk()

    for i in range(count):
        file(f"Kestrel {i}", "the kestrel trunk", minutes_ago=i)
    client.force_login(tech)
    # the candidates (as the search page: newest id, a savepoint with its planner setting) and the snippets
    with django_assert_num_queries(QUEUE_PAGE_QUERIES + 6):
        client.get(reverse("desk:queue"), {"q": "kestrel"})


@pytest.mark.parametrize("count", [1, 30])
def test_the_api_search_costs_the_same_queries_for_any_page(file, tech, count, django_assert_num_queries):
    for i in range(count):
        file(f"Kestrel {i}", "the kestrel trunk", minutes_ago=i)
    client = APIClient()
    client.force_authenticate(tech)
    # the page with its search filter, the page's tags (staff), and its requesters and assignees
    with django_assert_num_queries(3):
        response = client.get("/api/queue/", {"q": "kestrel", "page_size": 50})
    assert len(response.json()["results"]) == count


def test_the_portal_search_costs_the_same_queries_for_any_page(
    client, file, customer, django_assert_num_queries
):
    file("Kestrel 0", "the kestrel trunk")
    client.force_login(customer)
    client.get(reverse("portal:ticket_list"), {"q": "kestrel"})
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:ticket_list"), {"q": "kestrel"})
    for i in range(1, 30):
        file(f"Kestrel {i}", "the kestrel trunk", minutes_ago=i)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("portal:ticket_list"), {"q": "kestrel"})
    assert response.content.decode().count("<mark>kestrel</mark>") == 25
