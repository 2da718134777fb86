import pytest

from tests.conftest import NOW
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_signs_in_and_sees_their_tickets(page, login, shot, customer, priorities):
    ticket_create(
        requester=customer, subject="All inbound numbers down", priority=priorities["urgent"], now=NOW
    )
    login("casey@acme.test")
    assert page.get_by_role("heading", name="My tickets").is_visible()
    assert page.get_by_text("All inbound numbers down").is_visible()
    shot("my-tickets")
