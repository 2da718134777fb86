"""Celery shim for the retention sweep: one line, the clock read here."""

from celery import shared_task
from django.utils import timezone

from . import jobs


@shared_task
def retention_apply() -> int:
    return jobs.retention_apply(now=timezone.now())
