"""Exporting a person's data: the zip holds theirs (profile, public threads, files, events, survey, mail)
and nothing of a colleague's on the same thread; only an admin, or the person for themselves, may ask."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from privacy.models import PrivacyRequest
from privacy.services import PrivacyError, privacy_export
from tests.conftest import NOW
from tests.privacy.conftest import CHRIS_NEEDLES

pytestmark = pytest.mark.django_db


def _export(world, by=None) -> zipfile.ZipFile:
    out = io.BytesIO()
    privacy_export(person=world.zelda, by=by or world.admin, now=NOW, channel="admin", out=out)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def _everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_the_export_holds_the_persons_profile_threads_files_events_survey_and_mail(world):
    archive = _export(world)
    names = set(archive.namelist())
    assert {
        "manifest.json",
        "profile.json",
        "tickets.json",
        "notifications.json",
        "inbound_email.json",
        "README.txt",
    } <= names

    profile = json.loads(archive.read("profile.json"))
    assert profile["account"]["email"] == "zelda.q@acme.test"
    assert profile["account"]["phone"] == "+44 7700 900123"
    assert profile["account"]["organization"] == {"name": "Acme", "customer_number": "1001"}
    assert [k["prefix"] for k in profile["api_keys"]] and "key_hash" not in json.dumps(profile)

    tickets = {t["reference"]: t for t in json.loads(archive.read("tickets.json"))}
    own = tickets[world.ticket.reference]
    assert own["role"] == "requester" and own["subject"] == "ZQ-subject: router keeps rebooting"
    assert own["request_fields"]["details"] == "ZQ-field: typed by the customer"
    bodies = [m["body"] for m in own["thread"]]
    assert "ZQ-reply: please hurry, the office is down" in bodies
    assert "Hi Zelda, we are looking at it." in bodies  # support's public reply to her
    assert not any("Internal" in b for b in bodies)  # never an internal note
    assert own["survey"]["comment"] == "ZQ-survey: friendly but slow" and own["survey"]["rating"] == 4
    assert {"status", "assignee", "sla_met"} <= {e["kind"] for e in own["events"]}
    assert own["first_response_due_at"] and own["closed_at"]

    # Her words on her colleague's ticket, not his.
    on_chris = tickets[world.chris_ticket.reference]
    assert on_chris["role"] == "participant" and "subject" not in on_chris
    assert [m["body"] for m in on_chris["thread"] if m["from"] == "you"] == [
        "ZQ-on-chris: mine too since Monday"
    ]
    assert {m["body"] for m in on_chris["thread"] if m["from"] != "you"} <= {
        "withheld: written by someone else"
    }
    assert world.other_org_ticket.reference in tickets  # copied by address

    mailed = tickets[world.mail_ticket.reference]
    assert "ZQ-mail-body" in mailed["thread"][0]["body"]
    [inbound] = json.loads(archive.read("inbound_email.json"))
    assert inbound["raw"] in names and b"ZQ-mail-body" in archive.read(inbound["raw"])

    [path] = [n for n in names if n.startswith("attachments/")]
    assert archive.read(path) == b"ZQ-file-bytes of the person"
    sent = json.loads(archive.read("notifications.json"))
    assert sent and all(n["to"] == "zelda.q@acme.test" for n in sent)
    assert any(world.ticket.reference in n["subject"] for n in sent)


def test_the_export_holds_nothing_of_a_colleague_on_the_same_thread(world):
    archive = _export(world)
    text = _everything(archive)
    leaked = [n for n in CHRIS_NEEDLES if n in text]
    assert leaked == []
    tickets = {t["reference"]: t for t in json.loads(archive.read("tickets.json"))}
    withheld = [m for m in tickets[world.ticket.reference]["thread"] if m["from"] == "another person"]
    assert (
        len(withheld) == 1 and withheld[0]["body"].startswith("withheld") and withheld[0]["attachments"] == []
    )
    assert b"CHRIS-CC-file-bytes" not in b"".join(archive.read(n) for n in archive.namelist())


def test_an_export_is_audited_with_who_asked(world):
    _export(world)
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.channel, request.subject, request.requested_by) == (
        "export",
        "admin",
        world.zelda,
        world.admin,
    )
    assert request.summary["tickets"] == 4 and request.summary["files"] == 1


@pytest.mark.parametrize("who", ["tech", "lead", "chris"])
def test_only_an_admin_or_the_person_may_export(world, lead, who):
    by = {"tech": world.tech, "lead": lead, "chris": world.chris}[who]
    with pytest.raises(PrivacyError):
        privacy_export(person=world.zelda, by=by, now=NOW, channel="admin", out=io.BytesIO())
    assert not PrivacyRequest.objects.exists()


def test_a_person_downloads_their_own_data_from_the_portal(world):
    client = Client()
    assert client.post("/privacy/my-data/").status_code == 302  # signed out: to the sign-in page
    client.force_login(world.zelda)
    assert b"Download my data" in client.get("/accounts/profile/").content
    assert client.get("/privacy/my-data/").status_code == 200
    response = client.post("/privacy/my-data/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("profile.json"))["account"]["email"] == "zelda.q@acme.test"
    request = PrivacyRequest.objects.get()
    assert request.channel == "portal" and request.requested_by == world.zelda

    # Someone else's session downloads their own data, never hers: the view takes no id.
    other = Client()
    other.force_login(world.chris)
    response = other.post(f"/privacy/my-data/?user={world.zelda.pk}")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert json.loads(archive.read("profile.json"))["account"]["email"] == "chris@acme.test"


def test_the_admin_action_exports_one_person(world):
    client = Client()
    client.force_login(world.admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "export_personal_data", "_selected_action": [world.zelda.pk]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "tickets.json" in archive.namelist()


def test_the_command_writes_the_zip(world, tmp_path):
    target = tmp_path / "zelda.zip"
    out = io.StringIO()
    call_command("privacy", "export", str(world.zelda.pk), "--out", str(target), stdout=out)
    assert "profile.json" in zipfile.ZipFile(target).namelist()
    assert PrivacyRequest.objects.get().channel == "command"
    with pytest.raises(CommandError, match="not an administrator"):
        call_command(
            "privacy", "export", str(world.zelda.pk), "--out", str(target), "--by", world.chris.email
        )


def test_a_person_may_download_their_own_data_a_few_times_a_day(world):
    client = Client()
    client.force_login(world.zelda)
    for _ in range(5):
        assert client.post("/privacy/my-data/").status_code == 200
    refused = client.post("/privacy/my-data/")
    assert refused.status_code == 429 and b"try again tomorrow" in refused.content
    assert PrivacyRequest.objects.filter(requested_by=world.zelda).count() == 5
    _export(world)  # an admin is not counted against her
