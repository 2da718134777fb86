"""'This answered my question' records a deflection (once per customer, article and day), files no
ticket, and refuses articles the customer may not read."""

import pytest
from django.test import Client

from kb.models import Deflection
from kb.selectors import kb_figures
from tests.conftest import NOW
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(customer):
    client = Client()
    client.force_login(customer)
    return client


def test_marking_an_article_helpful_records_one_deflection_and_files_nothing(library, signed_in, customer):
    article = library["customers"]
    first = signed_in.post("/kb/deflect/", {"article": article.pk, "q": "greeting broken"})
    again = signed_in.post("/kb/deflect/", {"article": article.pk, "q": "greeting broken"})
    assert first.status_code == 200 and first.json()["recorded"] is True
    assert again.status_code == 200 and again.json()["recorded"] is False
    row = Deflection.objects.get()
    assert (row.article, row.user, row.organization, row.query) == (
        article,
        customer,
        customer.organization,
        "greeting broken",
    )
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("name", ["staff", "draft", "globex_only"])
def test_an_article_the_customer_cannot_read_cannot_be_marked(library, signed_in, name):
    answer = signed_in.post("/kb/deflect/", {"article": library[name].pk})
    assert answer.status_code == 404
    assert not Deflection.objects.exists()


def test_deflection_needs_a_signed_in_customer_and_a_post(library, tech):
    article = library["public"]
    assert Client().post("/kb/deflect/", {"article": article.pk}).status_code == 302  # to sign in
    staff = Client()
    staff.force_login(tech)
    assert staff.post("/kb/deflect/", {"article": article.pk}).status_code == 403
    assert staff.get("/kb/deflect/").status_code == 405
    assert not Deflection.objects.exists()


def test_bad_input_is_a_clear_400(signed_in):
    for data in ({}, {"article": "x"}, {"article": "-1"}):
        answer = signed_in.post("/kb/deflect/", data)
        assert answer.status_code == 400 and "error" in answer.json()


def test_the_csrf_token_is_required(library, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.post("/kb/deflect/", {"article": library["public"].pk}).status_code == 403


def test_deflections_and_views_are_counted_on_the_dashboard(library, signed_in, colleague, lead):
    article = library["customers"]
    signed_in.post("/kb/deflect/", {"article": article.pk})
    other = Client()
    other.force_login(colleague)
    other.post("/kb/deflect/", {"article": article.pk})
    signed_in.get(f"/kb/articles/{article.slug}/")
    signed_in.get(f"/kb/articles/{article.slug}/")
    figures = kb_figures(since=NOW.replace(year=2000))
    assert (figures.deflections, figures.views) == (2, 2)
    assert figures.top[0].pk == article.pk and figures.top[0].deflection_count == 2
    desk = Client()
    desk.force_login(lead)
    assert "/kb/desk/figures/" in desk.get("/desk/dashboard/").content.decode()  # loaded after the page
    page = desk.get("/kb/desk/figures/").content.decode()
    assert 'data-testid="kb-deflections">2 ' in page and 'data-testid="kb-views">2<' in page
