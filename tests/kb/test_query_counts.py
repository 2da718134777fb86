"""The article list, the suggestion endpoint and the API list cost a fixed number of queries, however
many articles there are."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from kb.models import Audience

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(customer):
    client = Client()
    client.force_login(customer)
    return client


def _articles(write, n, start=0):
    for i in range(start, start + n):
        write(
            f"Voicemail tip {i}",
            f"Voicemail advice number {i}.",
            audience=Audience.PUBLIC if i % 2 else Audience.CUSTOMERS,
        )


@pytest.mark.parametrize("n", [3, 25])
def test_the_portal_list_costs_the_same_for_any_number_of_articles(
    write, signed_in, n, django_assert_num_queries
):
    _articles(write, n)
    # session, user, the paginator's count, categories with counts, the incident banner (base.html), the page
    with django_assert_num_queries(6):
        page = signed_in.get("/kb/")
    assert page.status_code == 200 and page.content.decode().count("Voicemail tip") == n


@pytest.mark.parametrize("n", [3, 25])
def test_the_suggestion_endpoint_is_one_search_query(write, signed_in, n, django_assert_num_queries):
    _articles(write, n)
    with django_assert_num_queries(3):  # session, user, the search
        answer = signed_in.get("/kb/suggest/", {"q": "voicemail advice"})
    assert len(answer.json()["articles"]) == min(n, 5)


def test_an_anonymous_suggestion_is_one_query(write, django_assert_num_queries):
    _articles(write, 6)
    with django_assert_num_queries(1):
        answer = Client().get("/kb/suggest/", {"q": "voicemail"})
    assert len(answer.json()["articles"]) == 3  # the public ones


@pytest.mark.parametrize("n", [3, 25])
def test_the_api_list_costs_the_same_for_any_number_of_articles(
    write, customer, n, django_assert_num_queries
):
    _articles(write, n)
    client = APIClient()
    client.force_authenticate(customer)
    with django_assert_num_queries(1):
        answer = client.get("/api/kb/articles/")
    assert len(answer.json()["results"]) == n
