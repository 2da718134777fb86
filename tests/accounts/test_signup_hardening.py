"""The sign-up form gives nothing away (issue 21): the same page and the same work whether or not the
address has an account, the same refusal for a wrong customer number as for a wrong domain, and a
brake on repeated attempts."""

import re
import statistics
import time

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "tangerine-orbit-42"


def _signup(client, ip="198.51.100.7", **overrides):
    data = {
        "full_name": "Sam New",
        "email": "sam@acme.test",
        "customer_number": "1001",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data, REMOTE_ADDR=ip)


def _page_without_echoes(response) -> str:
    """The page less what differs per request or echoes the input (CSRF tokens, the fields' values)."""
    html = response.content.decode()
    html = re.sub(r'value="[^"]*"', 'value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_a_taken_address_and_a_fresh_one_get_the_same_redirect_and_the_same_page(client, customer):
    taken = _signup(client, email="casey@acme.test")
    taken_page = _page_without_echoes(client.get(taken["Location"])).replace("casey@acme.test", "ADDRESS")
    fresh = _signup(client, email="new.person@acme.test")
    fresh_page = _page_without_echoes(client.get(fresh["Location"])).replace(
        "new.person@acme.test", "ADDRESS"
    )
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken_page == fresh_page


def test_a_wrong_customer_number_and_a_wrong_domain_get_the_very_same_page(client, org, other_org):
    wrong_number = _signup(client, customer_number="9999")
    wrong_domain = _signup(client, email="sam@globex.test")
    other_orgs_number = _signup(client, customer_number="2002")  # a real number, not this address's
    assert wrong_number.status_code == wrong_domain.status_code == other_orgs_number.status_code == 200
    pages = {_page_without_echoes(r) for r in (wrong_number, wrong_domain, other_orgs_number)}
    assert len(pages) == 1
    assert "We could not match that customer number with that email address" in pages.pop()
    assert not User.objects.filter(full_name="Sam New").exists()


@pytest.fixture
def hashes(monkeypatch):
    count = {"n": 0}
    original = MD5PasswordHasher.encode

    def counting(self, password, salt):
        count["n"] += 1
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return count


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "fresh@acme.test"},
        {"email": "casey@acme.test"},  # taken
        {"customer_number": "9999"},  # wrong number
        {"email": "sam@globex.test"},  # wrong domain
    ],
    ids=["fresh", "taken", "wrong-number", "wrong-domain"],
)
def test_every_answer_costs_exactly_one_password_hash(client, customer, other_org, hashes, overrides):
    _signup(client, **overrides)
    assert hashes["n"] == 1


class SlowHasher(PBKDF2PasswordHasher):
    iterations = 120_000  # ~0.1 s: large beside the rest of a sign-up, as a production hash is


def test_a_taken_address_or_a_wrong_number_takes_as_long_as_a_real_sign_up(client, customer, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]
    t0 = time.perf_counter()
    for _ in range(3):
        User().set_password(GOOD_PASSWORD)
    one_hash = (time.perf_counter() - t0) / 3

    def median(label: str, **overrides) -> float:
        times = []
        for n in range(3):
            fields = {k: v.format(n=n) for k, v in overrides.items()}
            start = time.perf_counter()
            _signup(client, ip=f"203.0.113.{len(label) * 10 + n}", **fields)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    fresh = median("fresh", email="fresh{n}@acme.test")
    taken = median("taken-address", email="casey@acme.test")
    wrong_number = median("wrong-customer-number", customer_number="99{n}")
    # Each answer pays (at least most of) one hash; without the equalising hash the refusals and the
    # taken address answer in a few milliseconds.
    for elapsed in (fresh, taken, wrong_number):
        assert elapsed > 0.6 * one_hash, (elapsed, one_hash)
    assert max(fresh, taken, wrong_number) < 3 * min(fresh, taken, wrong_number)


def test_sign_ups_are_throttled_per_address_and_per_client_with_the_same_words_for_any_address(
    client, customer
):
    for n in range(3):
        assert _signup(client, ip=f"192.0.2.{n}", email="casey@acme.test").status_code == 302
    blocked = _signup(client, ip="192.0.2.99", email="casey@acme.test")
    assert blocked.status_code == 429 and "Too many sign-up attempts" in blocked.content.decode()

    for n in range(10):  # one client, many addresses (or customer numbers)
        _signup(client, ip="192.0.2.200", email=f"probe{n}@acme.test", customer_number=str(5000 + n))
    unknown = _signup(client, ip="192.0.2.200", email="nobody@acme.test")
    known = _signup(client, ip="192.0.2.200", email="casey@acme.test")
    assert unknown.status_code == known.status_code == 429
    assert _page_without_echoes(unknown) == _page_without_echoes(known)
    assert not User.objects.filter(email="nobody@acme.test").exists()
