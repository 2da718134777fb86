from datetime import timedelta

import pytest
import time_machine

from accounts.models import Team
from tests.conftest import NOW
from tests.factories import CustomerFactory, StaffFactory
from tickets.services import ticket_create


@pytest.fixture
def frozen():
    """Views read the clock: pin it to the house constant."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def make_ticket(customer, priorities):
    def make(subject="Printer on fire", priority="normal", minutes_ago=0, requester=None, **kw):
        received = NOW - timedelta(minutes=minutes_ago)
        return ticket_create(
            requester=requester or customer,
            subject=subject,
            priority=priorities[priority],
            received_at=received,
            now=received,
            **kw,
        )

    return make


@pytest.fixture
def tech2(db):
    return StaffFactory(email="sam@helpdesk.test", full_name="Sam Support")


@pytest.fixture
def team(tech, tech2):
    team = Team.objects.create(name="Voice")
    team.members.add(tech, tech2)
    return team


@pytest.fixture
def globex_customer(other_org):
    return CustomerFactory(organization=other_org, email="gus@globex.test", full_name="Gus Globex")
