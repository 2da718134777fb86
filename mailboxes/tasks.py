"""Celery shim for the mailbox poller: one line, the clock read here."""

from celery import shared_task
from django.utils import timezone

from .services import mailboxes_poll


@shared_task
def mailboxes_poll_task() -> int:
    return mailboxes_poll(now=timezone.now())
