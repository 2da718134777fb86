"""Schemathesis fuzzes every operation of our OpenAPI schema against the WSGI app, in-process,
signed in as a technician and as a customer: no 500, no status code or body the schema does not
describe. Bounded for CI: ``API_FUZZ_EXAMPLES`` examples per operation and role (default 6)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.wsgi import application

from .conftest import token_client

pytestmark = [pytest.mark.django_db]

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
# The coverage phase (every boundary value of every parameter) runs on demand:
# API_FUZZ_COVERAGE=1. CI runs the bounded random phase only.
COVERAGE = os.environ.get("API_FUZZ_COVERAGE") == "1"
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 8,
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": COVERAGE}},
        "generation": {"max-examples": EXAMPLES, "deterministic": True},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_test_transaction():
    # Like Django's test client: keep the request signals from closing the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["tech", "customer"])
def caller(
    request, customer, tech, ticket, resolved_ticket, colleague_ticket, attachment, in_test_transaction
):
    user = {"tech": tech, "customer": customer}[request.param]
    key = token_client(user)._credentials["HTTP_AUTHORIZATION"]
    return {"headers": {"Authorization": key}, "ticket": ticket, "attachment": attachment}


def _aim_at_real_objects(case, caller) -> None:
    """Point the ids at the real ticket and attachment, so handlers run past the lookup."""
    params = case.path_parameters or {}
    if "ticket_id" in params:
        params["ticket_id"] = caller["ticket"].pk
        if "id" in params:
            params["id"] = caller["attachment"].pk
    elif "id" in params:
        params["id"] = caller["ticket"].pk


@schema.parametrize()
@schema.given(aim=st.booleans())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, aim, caller):
    if aim:
        _aim_at_real_objects(case, caller)
    cache.clear()  # the write throttle is a business limit, not what is being fuzzed
    case.call_and_validate(headers=caller["headers"], checks=CHECKS)
