"""``/healthz``: 200 when the database and the broker answer, 503 when either does not; with counts of
inbound mail that failed (and is being retried), is held for staff, or waits for a worker."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from mailboxes.selectors import mailboxes_failing
from tickets.selectors import inbound_attention


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any failure means "down"; say why
        return False, f"{exc.__class__.__name__}: {exc}"[:200]


def _broker() -> tuple[bool, str]:
    from helpdesk.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, f"{exc.__class__.__name__}: {exc}"[:200]


def _inbound() -> dict[str, int]:
    """Inbound mail waiting for a retry or a person; informative, it does not change the status code."""
    try:
        return inbound_attention()
    except Exception:  # the database check above already says why
        return {}


def _mailboxes() -> dict:
    """Support mailboxes whose last fetch failed, with the server's message. Informative like the inbound
    counts: a load balancer must not take the web servers out because a mail server refuses a login."""
    try:
        failing = mailboxes_failing()
    except Exception:  # the database check above already says why
        return {}
    return {"ok": not failing, "failing": failing}


def healthz(request):
    db_ok, db_detail = _database()
    broker_ok, broker_detail = _broker()
    ok = db_ok and broker_ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"ok": db_ok, "detail": db_detail, "vendor": connection.vendor},
        "broker": {
            "ok": broker_ok,
            "detail": broker_detail,
            "transport": settings.CELERY_BROKER_URL.split(":", 1)[0],
        },
        "inbound_mail": _inbound() if db_ok else {},
        "mailboxes": _mailboxes() if db_ok else {},
    }
    return JsonResponse(body, status=200 if ok else 503)
