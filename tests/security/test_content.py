"""Stored XSS: hostile subjects, bodies, request fields and mail HTML are shown escaped or sanitised on
every page that shows them (portal, desk, admin, the API's HTML-free JSON aside) and in our own
notification HTML; uploads cannot be served as a page or escape their folder."""

from __future__ import annotations

from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_render
from tests.conftest import NOW
from tests.factories import api_key, portal_filing
from tickets.intake.service import email_ingest
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss-1')</script>"
IMG = "<img src=x onerror=alert('xss-2')>"
LINK = "<a href=\"javascript:alert('xss-3')\">click</a>"
PAYLOAD = f"{SCRIPT} {IMG} {LINK}"


class _LiveMarkup(HTMLParser):
    """Parses a page as a browser would and lists what of ours would run: an event-handler attribute,
    a javascript: URL, or a script element carrying a payload marker."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "xss-" in value:
                self.found.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value.startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "xss-" in data:
            self.found.append(f"<script>{data[:80]}")


def _live(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def _html_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Casey Customer <casey@acme.test>"
    msg["To"] = "support@helpdesk.test"
    msg["Subject"] = f"Mail {SCRIPT}"
    msg["Message-ID"] = "<xss-mail@acme.test>"
    msg.set_content("plain part")
    msg.add_alternative(
        f"<html><body><p>Hello</p>{PAYLOAD}<svg onload=alert('xss-4')></svg></body></html>", subtype="html"
    )
    return msg.as_bytes()


@pytest.fixture
def hostile(client, customer, tech, priorities, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:ticket_new"),
            portal_filing(
                priorities["normal"], subject=f"Calls {SCRIPT}", rf_product=f"Fuse {IMG}", rf_details=PAYLOAD
            ),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    portal_ticket = Ticket.objects.get(subject__startswith="Calls")
    desk = Client()
    desk.force_login(tech)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:ticket_reply", args=[portal_ticket.pk]),
            {"body": f"Answer {PAYLOAD}", "kind": "public"},
        )
        client.post(reverse("portal:ticket_detail", args=[portal_ticket.pk]), {"body": f"Reply {PAYLOAD}"})
        mail_ticket = email_ingest(raw=_html_mail(), now=NOW, source="test").ticket
    return {"portal": portal_ticket, "mail": mail_ticket, "desk": desk}


def test_hostile_markup_in_ticket_content_is_escaped_on_every_page(client, hostile, admin_user):
    portal_ticket, mail_ticket = hostile["portal"], hostile["mail"]
    assert portal_ticket.messages.filter(body__contains="xss-3").count() >= 2  # stored as typed ...
    admin = Client()
    admin.force_login(admin_user)
    pages = {}
    for ticket in (portal_ticket, mail_ticket):
        pages[f"portal {ticket.pk}"] = client.get(reverse("portal:ticket_detail", args=[ticket.pk]))
        pages[f"thread {ticket.pk}"] = client.get(reverse("portal:ticket_thread", args=[ticket.pk]))
        pages[f"desk {ticket.pk}"] = hostile["desk"].get(reverse("desk:ticket_detail", args=[ticket.pk]))
        pages[f"admin {ticket.pk}"] = admin.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    pages["portal list"] = client.get(reverse("portal:ticket_list"))
    pages["desk queue"] = hostile["desk"].get(reverse("desk:queue"))
    pages["desk rows"] = hostile["desk"].get(reverse("desk:queue_rows"))
    pages["admin tickets"] = admin.get(reverse("admin:tickets_ticket_changelist"))
    pages["admin messages"] = admin.get(reverse("admin:tickets_message_changelist"))
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert _live(html) == [], f"{name} renders live markup"
    # ... and shown escaped (the text is there, the markup is not).
    assert (
        "&lt;script&gt;alert(&#x27;xss-1&#x27;)&lt;/script&gt;"
        in pages[f"portal {portal_ticket.pk}"].content.decode()
    )


def test_mail_html_is_stored_sanitised(hostile):
    message = hostile["mail"].messages.get()
    assert message.body_html and "Hello" in message.body_html
    assert (
        _live(message.body_html) == []
        and "<script" not in message.body_html
        and "onload" not in message.body_html
    )


def test_notification_html_bodies_escape_ticket_content(hostile):
    rows = Notification.objects.filter(ticket__in=[hostile["portal"], hostile["mail"]])
    assert rows.count() >= 3
    for row in rows:
        rendered = notification_render(row)
        assert _live(rendered["html"]) == [], (row.event, rendered["html"][:2000])


# --- uploads -------------------------------------------------------------------------------------

HTML_AS_PNG = b"<html><body><script>alert('xss-5')</script></body></html>"


def _file_it(client, priorities, files):
    return client.post(
        reverse("portal:ticket_new"),
        portal_filing(priorities["normal"], subject="Upload", rf_details="See file", attachments=files),
    )


@pytest.fixture
def casey(client, customer, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    return customer


def test_an_html_page_named_png_is_refused_with_a_clear_message_and_nothing_saved(client, casey, priorities):
    response = _file_it(
        client, priorities, [SimpleUploadedFile("photo.png", HTML_AS_PNG, content_type="image/png")]
    )
    assert response.status_code == 400 and "cannot be attached" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_upload_names_cannot_leave_the_storage_folder_and_files_are_served_as_downloads(
    client, casey, tech, priorities, tmp_path
):
    names = ["../../../../etc/cron.d/evil", "/tmp/absolute.txt", "..\\..\\win.ini", "report.html"]
    files = [SimpleUploadedFile(name, b"just text\n", content_type="text/html") for name in names]
    assert _file_it(client, priorities, files).status_code == 302
    stored = list(Attachment.objects.order_by("pk"))
    assert len(stored) == len(names)
    root = Path(tmp_path).resolve()
    for file in stored:
        assert root in Path(file.file.path).resolve().parents, file.file.path
        assert "/" not in file.filename and "\\" not in file.filename and not file.filename.startswith(".")
        assert file.content_type == "text/plain"  # from the bytes, not the declared text/html or the name
    assert not (root.parent / "etc").exists() and not Path("/tmp/absolute.txt").exists()
    ticket = stored[0].ticket
    desk = Client()
    desk.force_login(tech)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(casey)}")
    for file in stored:
        for who, url in (
            (client, reverse("portal:attachment_download", args=[ticket.pk, file.pk])),
            (desk, reverse("desk:attachment_download", args=[file.pk])),
            (api, f"/api/tickets/{ticket.pk}/attachments/{file.pk}/download/"),
        ):
            served = who.get(url)
            assert served.status_code == 200, url
            assert served["Content-Disposition"].startswith("attachment;"), url
            assert served["X-Content-Type-Options"] == "nosniff", url
            assert served["Content-Type"].split(";")[0] in ("text/plain", "application/octet-stream"), url
