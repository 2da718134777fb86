import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import NOW
from tickets.models import Attachment, Message
from tickets.services import message_add

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def _upload(client, ticket, name, content):
    return client.post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_an_upload_is_stored_under_our_name_with_the_sniffed_type(api, customer, ticket):
    response = _upload(api(customer), ticket, "../../etc/screen shot.PNG", PNG)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["filename"], body["content_type"], body["size"]) == (
        "screen shot.PNG",
        "image/png",
        len(PNG),
    )
    stored = Attachment.objects.get(pk=body["id"])
    assert stored.file.name.startswith(f"attachments/{ticket.pk}/") and "screen" not in stored.file.name
    assert body["download_url"].endswith(f"/api/tickets/{ticket.pk}/attachments/{stored.pk}/download/")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "invoice.png",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 50,
            "programs and scripts",
        ),  # a Windows executable
        ("holiday.png", b"<html><script>alert(1)</script></html>", "web pages"),  # HTML whatever the name
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "web pages"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_a_file_whose_content_is_not_allowed_is_refused_with_a_reason(
    api, customer, ticket, name, content, message
):
    response = _upload(api(customer), ticket, name, content)
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(api, customer, ticket, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 50
    response = _upload(api(customer), ticket, "big.txt", b"x" * 51)
    assert response.status_code == 400
    assert "the limit is 50" in response.json()["file"][0]


def test_a_download_is_always_an_attachment_with_safe_headers(api, colleague, ticket, attachment):
    response = api(colleague).get(f"/api/tickets/{ticket.pk}/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"line one\nline two\n"
    assert response["Content-Disposition"] == 'attachment; filename="trace.log"'
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_attachment_is_only_reachable_through_its_own_ticket(
    api, customer, ticket, colleague_ticket, attachment
):
    assert (
        api(customer)
        .get(f"/api/tickets/{colleague_ticket.pk}/attachments/{attachment.pk}/download/")
        .status_code
        == 404
    )


def test_files_on_internal_notes_stay_with_staff(api, customer, tech, ticket):
    note = message_add(ticket=ticket, author=tech, body="PBX dump", kind=Message.Kind.INTERNAL, now=NOW)
    secret = Attachment.objects.create(
        ticket=ticket,
        message=note,
        file=SimpleUploadedFile("dump.txt", b"secret"),
        filename="dump.txt",
        content_type="text/plain",
        size=6,
        uploaded_by=tech,
    )
    assert [
        a["id"] for a in api(customer).get(f"/api/tickets/{ticket.pk}/attachments/").json()["results"]
    ] == []
    assert api(customer).get(f"/api/tickets/{ticket.pk}/attachments/{secret.pk}/download/").status_code == 404
    assert api(tech).get(f"/api/tickets/{ticket.pk}/attachments/{secret.pk}/download/").status_code == 200


@pytest.mark.parametrize(
    ("accept", "status", "served"),
    [
        ("", 200, "image/png"),
        ("nonsense", 200, "image/png"),
        ("*/*", 200, "image/png"),
        ("image/*", 200, "image/png"),
        ("application/octet-stream", 200, "application/octet-stream"),
        ("image/png;q=0, application/octet-stream", 200, "application/octet-stream"),
        # What openapi-generator's clients send: served anyway, as what it is.
        ("application/json", 200, "image/png"),
        ("application/pdf", 200, "image/png"),
        ("*/*;q=0", 200, "image/png"),
    ],
)
def test_a_download_is_served_as_the_client_accepts_and_never_refused(
    api, customer, ticket, accept, status, served
):
    client = api(customer)
    upload = _upload(client, ticket, "shot.png", PNG).json()
    response = client.get(upload["download_url"], HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"]) == (status, served)
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
