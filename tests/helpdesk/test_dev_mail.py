"""In development every outgoing mail is kept as one .eml file in var/mail/ (helpdesk/mail.py)."""

from email import message_from_bytes, policy
from pathlib import Path

from django.urls import reverse

from tests.helpdesk.test_deploy import _manage
from tickets.services import ticket_create


def _mails(folder: Path) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def test_mail_sent_in_development_lands_in_var_mail_one_file_per_message_across_restarts(tmp_path):
    for to in ("first@example.com", "second@example.com"):  # two processes: two runs of `make run`
        result = _manage("sendtestemail", to, DEBUG="true", VAR_DIR=str(tmp_path))
        assert result.returncode == 0, result.stdout + result.stderr
    mails = _mails(tmp_path / "mail")
    assert [m["To"] for m in mails] == ["first@example.com", "second@example.com"]
    assert all(m["Subject"].startswith("Test email from") for m in mails)
    assert "kept in" in result.stderr  # one log line says where the mail went


def test_ticket_mail_and_password_reset_mail_are_both_kept(
    client, customer, priorities, now, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "helpdesk.mail.MailboxBackend"  # what DEBUG selects (pytest forces locmem)
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = "http://127.0.0.1:8601"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=customer, subject="Phones down", description="Since 09:00.", now=now)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": customer.email})

    received, reset = _mails(tmp_path)
    assert received["To"] == reset["To"] == customer.email
    assert ticket.reference in received["Subject"]
    assert f"http://127.0.0.1:8601/tickets/{ticket.pk}/" in received.get_body(("plain",)).get_content()
    assert received.get_body(("html",)) is not None  # the rendered HTML version is kept too
    assert (
        "To choose a new password, open this link:\n\nhttp://testserver/"
        in reset.get_body(("plain",)).get_content()
    )


def test_production_keeps_no_mailbox_unless_configured(tmp_path):
    result = _manage(
        "sendtestemail",
        "ops@example.com",
        DEBUG="false",
        VAR_DIR=str(tmp_path),
        SECRET_KEY="p" * 20 + "-production-secret-key-0123456789abcdefgh",
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "mail").exists() and "To: ops@example.com" in result.stdout  # the console backend


def _keep(settings, tmp_path, **mail) -> None:
    from django.core.mail import EmailMultiAlternatives

    settings.EMAIL_BACKEND = "helpdesk.mail.MailboxBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    msg = EmailMultiAlternatives(mail["subject"], mail["text"], to=[mail["to"]])
    if "html" in mail:
        msg.attach_alternative(mail["html"], "text/html")
    msg.send()


def test_staff_find_the_kept_mail_newest_first_with_rendered_bodies(client, tech, settings, tmp_path):
    settings.DEBUG = True
    _keep(
        settings,
        tmp_path,
        subject="[HD-1] We received your request",
        text="Follow HD-1 at /tickets/1/",
        to="a@x.test",
    )
    _keep(
        settings,
        tmp_path,
        subject="Reset your password",
        text="Open /accounts/reset/x/",
        to="b@x.test",
        html="<p>Open <a href='/accounts/reset/x/'>this link</a></p>",
    )
    client.force_login(tech)
    page = client.get(reverse("dev_mail")).content.decode()
    assert page.index("Reset your password") < page.index("[HD-1] We received your request")
    assert "to b@x.test" in page and "Follow HD-1 at /tickets/1/" in page
    assert 'sandbox srcdoc="&lt;p&gt;Open &lt;a href=&#x27;/accounts/reset/x/&#x27;&gt;this link' in page
    assert "2 messages, newest first" in page


def test_a_hostile_subject_or_body_stays_text_on_the_outbox_page(client, tech, settings, tmp_path):
    settings.DEBUG = True
    _keep(
        settings,
        tmp_path,
        subject="<script>alert(1)</script>",
        text="<img src=x onerror=alert(2)>",
        to="c@x.test",
        html="<script>alert(3)</script>",
    )
    client.force_login(tech)
    page = client.get(reverse("dev_mail")).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page and 'sandbox srcdoc="&lt;script&gt;alert(3)' in page
    )


def test_the_outbox_page_is_for_staff_in_development_only(client, tech, customer, settings):
    settings.DEBUG = True
    url = reverse("dev_mail")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(customer)
    assert client.get(url).status_code == 404
    client.force_login(tech)
    assert client.get(url).status_code == 200
    settings.DEBUG = False
    assert client.get(url).status_code == 404
