"""The contract as an integrator meets it: a Python client generated from the live `/api/schema/`
with openapi-python-client imports whole and drives the customer's and the technician's flow against
a running server, and every response of the flow validates strictly against the schema (undocumented
status codes, content types or fields fail too)."""

import contextlib
import importlib
import io
import json
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openapi_schema_validator import OAS30Validator, OAS31Validator
from rest_framework.utils.mediatypes import media_type_matches

from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
GENERATOR = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) or shutil.which(
    "openapi-python-client"
)


def _closed(schema):
    """Every object schema that lists its properties admits no others: a field the server sends but
    the schema does not name is a mismatch a strict generated model would trip over."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


class Contract:
    """Checks each response against the operation it answers, as an httpx response hook."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.components = _closed(spec["components"])
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), operations)
            for path, operations in spec["paths"].items()
        ]
        self.checked: list[str] = []
        self.failures: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        name = f"{request.method} {request.url.path} -> {response.status_code}"
        self.checked.append(name)
        problem = self.problem(request.method.lower(), request.url.path, response)
        if problem:
            self.failures.append(f"{name}: {problem}")

    def problem(self, method: str, path: str, response: httpx.Response) -> str | None:
        operation = next((ops.get(method) for rx, ops in self.routes if rx.match(path)), None)
        if operation is None:
            return "no such operation in the schema"
        declared = operation["responses"].get(str(response.status_code))
        if declared is None:
            return f"status not documented (documented: {sorted(operation['responses'])})"
        content = declared.get("content", {})
        actual = response.headers.get("content-type", "").split(";")[0].strip()
        if not content:
            return f"body not documented ({actual})" if response.content else None
        if actual in content:
            media = actual
        else:
            media = next((m for m in content if media_type_matches(actual, m)), None)
        if media is None:
            return f"content type {actual!r} not documented ({sorted(content)})"
        if actual != "application/json":
            return None  # a file's bytes: the type is the contract
        schema = {**_closed(content[media]["schema"]), "components": self.components}
        validator = OAS30Validator if self.spec["openapi"].startswith("3.0") else OAS31Validator
        errors = sorted(
            validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(response.json()), key=str
        )
        return "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:3]) or None


@pytest.fixture
def generated(tmp_path, live_server):
    if GENERATOR is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[dev]')")
    spec = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}).json()
    (tmp_path / "schema.json").write_text(json.dumps(spec))
    # No post hooks: formatting the output (ruff) is not what is tested.
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")
    package = "helpdesk_contract_client"
    run = subprocess.run(
        [GENERATOR, "generate", "--path", "schema.json", "--meta", "none", "--output-path", package]
        + ["--config", "config.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # The generator drops what it cannot model (a response, a body) with a warning: none allowed.
    assert "Warning" not in output and "Unable" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        root = importlib.import_module(package)
        modules = [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
        ]
        yield root, modules, Contract(spec), live_server.url
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[name]


def _mod(package: str, name: str):
    return importlib.import_module(f"helpdesk_contract_client.{package}.{name}")


def _page_through(operation, client, **params) -> list[int]:
    """Every id of a cursor-paginated list, following `next_cursor` as a client would."""
    ids, cursor, pages = [], None, 0
    while True:
        kwargs = {"page_size": 2, **params}
        if cursor:
            kwargs["cursor"] = cursor
        page = operation.sync(client=client, **kwargs)
        if page.next_ is not None:  # the same cursor as in the URL
            assert parse_qs(urlsplit(page.next_).query)["cursor"] == [page.next_cursor]
        ids += [row.id for row in page.results]
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            return ids
        assert pages < 100


@pytest.fixture
def closing():
    # Close every client: a kept-alive HTTP connection holds a live-server thread, and with it a
    # database connection that would block dropping the test database.
    with contextlib.ExitStack() as stack:
        yield stack.enter_context


def test_a_generated_client_imports_whole_and_drives_the_customer_and_technician_flow(
    generated, closing, customer, tech, priorities
):
    root, modules, contract, url = generated
    operations = [op["operationId"] for ops in contract.spec["paths"].values() for op in ops.values()]
    api_modules = {m.__name__.rsplit(".", 1)[-1] for m in modules if hasattr(m, "sync_detailed")}
    assert api_modules == set(operations)  # one module per operation, each imported
    models = importlib.import_module("helpdesk_contract_client.models")
    from helpdesk_contract_client.client import AuthenticatedClient, Client
    from helpdesk_contract_client.types import File

    hooks = {"event_hooks": {"response": [contract]}}
    anonymous = closing(Client(base_url=url, raise_on_unexpected_status=True, httpx_args=hooks))

    index = _mod("api.root", "api_root").sync(client=anonymous)
    assert index.tickets == f"{url}/api/tickets/" and index.schema == f"{url}/api/schema/"

    token = _mod("api.auth", "auth_token_create")

    def sign_in(email: str, **headers):
        answer = token.sync(client=anonymous, body=models.CredentialsRequest(email=email, password="pw"))
        return closing(
            AuthenticatedClient(
                base_url=url,
                headers=headers,
                token=answer.token,
                prefix="Token",
                raise_on_unexpected_status=True,
                httpx_args=hooks,
            )
        )

    casey, taylor = sign_in("casey@acme.test"), sign_in("tech@helpdesk.test")
    refused = token.sync_detailed(
        client=anonymous, body=models.CredentialsRequest(email="casey@acme.test", password="nope")
    )
    assert refused.status_code == 400 and refused.parsed.non_field_errors

    # The customer opens a ticket with form fields, replies, attaches a screenshot and gets it back.
    create = _mod("api.tickets", "tickets_create")
    fields = models.TicketCreateRequestRequestFields.from_dict(
        {"site": "Leeds", "lines": ["0113 1", "0113 2"]}
    )
    ticket = create.sync(
        client=casey,
        body=models.TicketCreateRequest(subject="Phones down", priority="high", request_fields=fields),
    )
    assert isinstance(ticket.id, int) and ticket.assignee is None
    assert ticket.request_fields.to_dict() == {"site": "Leeds", "lines": ["0113 1", "0113 2"]}
    message = _mod("api.tickets", "tickets_messages_create").sync(
        ticket.id, client=casey, body=models.MessageCreateRequest(body="Since 9 am")
    )
    assert message.author.email == "casey@acme.test"
    upload = _mod("api.tickets", "tickets_attachments_create").sync(
        ticket.id,
        client=casey,
        body=models.AttachmentUploadRequest(
            file=File(payload=io.BytesIO(PNG), file_name="shot.png", mime_type="image/png")
        ),
    )
    assert (upload.content_type, upload.size) == ("image/png", len(PNG))
    download = _mod("api.tickets", "tickets_attachments_download_retrieve")
    assert download.sync(ticket.id, upload.id, client=casey).payload.read() == PNG
    for accept, served in [
        ("application/octet-stream", "application/octet-stream"),
        ("image/*", "image/png"),
        ("application/json", "image/png"),  # as openapi-generator's clients ask
    ]:
        answer = download.sync_detailed(
            ticket.id, upload.id, client=sign_in("casey@acme.test", Accept=accept)
        )
        assert (answer.status_code, answer.headers["content-type"]) == (200, served)
        assert answer.parsed.payload.read() == PNG

    # The technician assigns, unassigns, re-classifies, corrects the form and resolves.
    tickets = "api.tickets"
    assigned = _mod(tickets, "tickets_assign_create").sync(
        ticket.id, client=taylor, body=models.AssignRequest(assignee=str(tech.pk))
    )
    assert assigned.assignee.email == "tech@helpdesk.test"
    unassigned = _mod(tickets, "tickets_assign_create").sync(
        ticket.id, client=taylor, body=models.AssignRequest(assignee=None)
    )
    assert unassigned.assignee is None
    reclassified = _mod(tickets, "tickets_reclassify_create").sync(
        ticket.id, client=taylor, body=models.ReclassifyRequest(priority="normal", reason="One site only")
    )
    assert reclassified.priority == "normal"
    edit = models.PatchedTicketUpdateRequest(
        request_fields=models.PatchedTicketUpdateRequestRequestFields.from_dict({"site": "York"})
    )
    edited = _mod(tickets, "tickets_partial_update").sync(ticket.id, client=taylor, body=edit)
    assert edited.request_fields.to_dict() == {"site": "York"}
    resolved = _mod(tickets, "tickets_resolve_create").sync(ticket.id, client=taylor)
    assert resolved.status.value == "resolved" and resolved.resolved_at is not None

    events = _mod(tickets, "tickets_events_list").sync(ticket.id, client=casey, page_size=200).results
    change = next(e for e in events if e.kind.value == TicketEvent.Kind.EDITED)
    assert json.loads(change.new_value) == {"site": "York"}
    assert change.data.to_dict() == {
        "field": "request_fields",
        "old": {"site": "Leeds", "lines": ["0113 1", "0113 2"]},
        "new": {"site": "York"},
    }

    # Paging through everything, by the cursor field alone.
    for n in range(4):
        create.sync(client=casey, body=models.TicketCreateRequest(subject=f"Printer {n}"))
    listing = _mod(tickets, "tickets_list")
    mine = _page_through(listing, casey)
    assert len(mine) == len(set(mine)) == 5 and ticket.id in mine
    first = listing.sync(client=casey, page_size=2)
    second = listing.sync(client=casey, page_size=2, cursor=first.next_cursor)
    back = listing.sync(client=casey, page_size=2, cursor=second.previous_cursor)
    assert [t.id for t in back.results] == [t.id for t in first.results] and back.previous is None
    queue = _page_through(_mod("api.queue", "queue_list"), taylor)
    assert len(queue) == len(set(queue)) == 4  # the resolved ticket has left the queue
    for child in ("tickets_messages_list", "tickets_attachments_list", "tickets_events_list"):
        assert _page_through(_mod(tickets, child), casey, ticket_id=ticket.id)
    too_big = listing.sync_detailed(client=casey, page_size=201)
    assert too_big.status_code == 400 and too_big.parsed.additional_properties["page_size"]

    assert contract.failures == [], "\n".join(contract.failures)
    assert len(contract.checked) >= 30
