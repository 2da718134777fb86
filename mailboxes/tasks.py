"""Celery shim for the mailbox poller: one line, the clock read here."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def mailboxes_poll() -> int:
    return services.mailboxes_poll(now=timezone.now())
