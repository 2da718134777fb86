import pytest
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from accounts import throttle
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = {
    "/api/tickets/",
    "/api/tickets/{id}/",
    "/api/tickets/{ticket_id}/messages/",
    "/api/tickets/{ticket_id}/attachments/",
    "/api/tickets/{ticket_id}/events/",
    "/api/tickets/{id}/assign/",
    "/api/tickets/{id}/reclassify/",
    "/api/tickets/{id}/resolve/",
    "/api/tickets/{id}/close/",
    "/api/tickets/{id}/reopen/",
    "/api/tickets/{id}/escalate/",
    "/api/tickets/{id}/merge/",
    "/api/queue/",
    "/api/views/",
    "/api/views/{id}/",
    "/api/priorities/",
    "/api/plans/",
    "/api/organizations/",
}
TICKET_FIELDS = {
    "id",
    "reference",
    "subject",
    "description",
    "request_fields",
    "priority",
    "status",
    "channel",
    "organization",
    "requester",
    "assignee",
    "received_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "sla_state",
}


def test_the_generated_schema_is_valid_openapi_3_and_holds_the_contract(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert CONTRACT_PATHS <= set(schema["paths"])
    assert TICKET_FIELDS <= set(schema["components"]["schemas"]["Ticket"]["properties"])
    reclassify = schema["paths"]["/api/tickets/{id}/reclassify/"]["post"]
    assert set(reclassify["responses"]) >= {"200", "400", "401", "403", "404", "409", "429"}
    body = reclassify["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][body.rsplit("/", 1)[-1]]["required"] == ["priority", "reason"]


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def _token(client, email="casey@acme.test", password="pw", **extra):
    return client.post("/api/auth/token/", {"email": email, "password": password}, format="json", **extra)


def test_an_email_and_password_buy_a_token_that_opens_tickets(customer, priorities):
    client = APIClient()
    response = _token(client, email="Casey@Acme.test")
    assert response.status_code == 200
    key = response.json()["token"]
    assert len(key) == 40 and response.json()["expires_at"]
    # Only a hash is stored: the database cannot hand the key to whoever reads it.
    stored = ApiToken.objects.get(user=customer)
    assert stored.key_hash != key and key not in stored.key_hash and stored.prefix == key[:8]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/tickets/", {"subject": "via token"}, format="json").status_code == 201


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(customer):
    client = APIClient()
    wrong = _token(client, password="nope")
    unknown = _token(client, email="who@acme.test", password="nope")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_token_requests_share_the_sign_in_throttle_per_address_and_client(customer):
    client = APIClient()
    codes = [_token(client, password="guess").status_code for _ in range(throttle.LOGIN.per_pair + 1)]
    assert codes == [400] * throttle.LOGIN.per_pair + [429]
    # ... and the right password is refused too once the limit is reached.
    refused = _token(client)
    assert refused.status_code == 429 and "Too many sign-in attempts" in refused.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_forged_x_forwarded_for_does_not_reset_the_token_throttle(customer):
    client = APIClient()
    codes = [
        _token(client, password="guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(throttle.LOGIN.per_pair + 3)
    ]
    assert codes[throttle.LOGIN.per_pair :] == [429, 429, 429]
    assert _token(client, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429


def test_behind_a_trusted_proxy_the_proxys_hop_is_the_client_and_forged_hops_are_ignored(customer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()  # REMOTE_ADDR 127.0.0.1 is our proxy; it appends the address it saw
    for n in range(throttle.LOGIN.per_pair):
        _token(client, password="guess", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.50")
    assert _token(client, HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.50").status_code == 429
    # The owner, behind the same proxy but from their own address, still gets a token.
    assert _token(client, HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 200


def test_an_address_locked_on_the_web_gets_no_token_from_that_client(client, customer):
    for _ in range(throttle.LOGIN.per_pair):
        client.post("/accounts/login/", {"username": "casey@acme.test", "password": "wrong"})
    assert _token(APIClient()).status_code == 429  # both clients are 127.0.0.1
    assert not ApiToken.objects.exists()


def test_admins_reorder_priorities_and_tickets_follow(api, admin_user, ticket, priorities):
    response = api(admin_user).patch("/api/priorities/urgent/", {"rank": 9}, format="json")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority_rank == 9


def test_a_second_default_priority_is_a_400_not_an_integrity_error(api, admin_user, priorities):
    response = api(admin_user).patch("/api/priorities/low/", {"is_default": True}, format="json")
    assert response.status_code == 400
    assert "default" in response.json()["is_default"][0]


def test_schema_generation_has_no_warnings(tmp_path):
    from django.core.management import call_command

    # --fail-on-warn: an unannotated view or an ambiguous type would make the schema guess.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_is_documented_with_one_body_type_and_integer_ticket_ids(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.1")
    for name, operation in _operations(schema):
        assert operation.get("summary") and operation.get("description"), name
        for code, response in operation["responses"].items():
            assert response.get("description"), f"{name} {code}"
        body = operation.get("requestBody", {}).get("content", {})
        assert len(body) <= 1, f"{name}: {sorted(body)}"
        if "/attachments/" in name and name.startswith("POST"):
            assert list(body) == ["multipart/form-data"]
        elif body:
            assert list(body) == ["application/json"], name
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and (
                parameter["name"] == "ticket_id" or "/api/tickets/{id}" in name
            ):
                assert parameter["schema"]["type"] == "integer", f"{name} {parameter['name']}"
    assert not [name for name in schema["components"]["schemas"] if name.endswith("RequestRequest")]


def test_nullable_fields_admit_null_and_pages_document_cursors_and_their_limit(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert {"type": "null"} in components["Ticket"]["properties"]["assignee"]["oneOf"]
    assert {"type": "null"} in components["Message"]["properties"]["author"]["oneOf"]
    page = components["PaginatedTicketList"]
    assert {"next", "previous", "next_cursor", "previous_cursor", "results"} <= set(page["required"])
    size = next(p for p in schema["paths"]["/api/tickets/"]["get"]["parameters"] if p["name"] == "page_size")
    assert size["schema"]["maximum"] == 200
    error = components["Error"]
    assert error["properties"]["non_field_errors"]["items"] == {"type": "string"}
    assert error["additionalProperties"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}


def test_the_api_root_links_the_schema_the_docs_and_each_resource(client, tech):
    index = client.get("/api/")
    assert index.status_code == 200
    links = index.json()
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["docs"] == "http://testserver/api/docs/"
    assert set(links) >= {"token", "tickets", "queue", "priorities", "plans", "organizations"}
    client.force_login(tech)
    for name, url in links.items():
        if name != "token":
            assert client.get(url).status_code == 200, name


def test_writes_take_json_only_and_a_form_post_is_a_415(api, customer, priorities):
    response = api(customer).post("/api/tickets/", {"subject": "as a form"}, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_the_schema_names_the_server_it_was_fetched_from(client):
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_HOST="localhost:8601").json()
    assert schema["servers"] == [{"url": "http://localhost:8601", "description": "This helpdesk."}]
