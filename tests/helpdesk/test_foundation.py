from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] and body["broker"]["ok"]


def test_healthz_answers_503_when_the_broker_is_unreachable(client):
    from helpdesk.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 200


def test_load_demo_is_idempotent_and_covers_every_status(client, settings):
    settings.DEBUG = True  # as under `make run`
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    assert Ticket.objects.count() == 30
    for status in Status.values:
        assert Ticket.objects.filter(status=status).exists(), status
    assert (
        User.objects.filter(
            email__in=["customer@demo.test", "tech@demo.test", "lead@demo.test", "admin@demo.test"]
        ).count()
        == 4
    )


@pytest.mark.parametrize(
    ("email", "landing"),
    [("customer@demo.test", "/"), ("tech@demo.test", "/desk/"), ("admin@demo.test", "/admin/")],
)
def test_demo_logins_sign_in_by_email_with_password_demo(client, email, landing):
    call_command("load_demo", force=True, stdout=StringIO())
    response = client.post("/accounts/login/", {"username": email.upper(), "password": "demo"})
    assert response.status_code == 302
    assert client.get(landing, follow=True).status_code == 200


def test_load_demo_refuses_with_debug_off_and_says_why(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG off.*password is 'demo'.*--force.*createsuperuser"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists() and not Ticket.objects.exists()


def test_load_demo_with_force_loads_a_throwaway_demo_even_with_debug_off(settings):
    settings.DEBUG = False
    call_command("load_demo", force=True, stdout=StringIO())
    assert User.objects.get(email="admin@demo.test").is_superuser


def test_the_first_admin_comes_from_createsuperuser_as_the_readme_says(client, monkeypatch):
    # README, Docker compose: `docker compose run --rm web python manage.py createsuperuser`
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase-0427")
    call_command(
        "createsuperuser", interactive=False, email="ops@example.com", username="ops", stdout=StringIO()
    )
    assert (
        client.post(
            "/accounts/login/", {"username": "ops@example.com", "password": "a-long-admin-passphrase-0427"}
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200


def test_every_model_change_has_a_migration():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
