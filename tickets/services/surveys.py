"""Satisfaction surveys: one signed, single-use, expiring link per closed ticket.

Opening the link only shows the form; only submitting it records a rating, so mail scanners that
follow links cannot vote. The token is random; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from ..models import SurveyResponse, Ticket


class SurveyError(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def survey_issue(
    *, ticket: Ticket, now: datetime, valid_for: timedelta = timedelta(days=30)
) -> tuple[SurveyResponse, str] | None:
    """Create the ticket's survey and return it with its raw token; ``None`` if one was already sent."""
    if SurveyResponse.objects.filter(ticket=ticket).exists():
        return None
    token = secrets.token_urlsafe(32)
    survey = SurveyResponse.objects.create(
        ticket=ticket, token_hash=_hash(token), sent_at=now, expires_at=now + valid_for
    )
    return survey, token


def survey_for_token(*, token: str, now: datetime) -> SurveyResponse:
    """The survey behind a link, or SurveyError saying why it cannot be answered."""
    survey = SurveyResponse.objects.select_related("ticket").filter(token_hash=_hash(token or "")).first()
    if survey is None:
        raise SurveyError("This survey link is not valid.")
    if survey.answered_at is not None:
        raise SurveyError("This survey has already been answered. Thank you!")
    if survey.expires_at <= now:
        raise SurveyError("This survey link has expired.")
    return survey


@transaction.atomic
def survey_answer(*, token: str, rating: int, comment: str, now: datetime) -> SurveyResponse:
    if not 1 <= int(rating) <= 5:
        raise SurveyError("Choose a rating from 1 to 5.")
    survey = survey_for_token(token=token, now=now)
    # Claim the answer: a second submission (double click, replayed request) records nothing.
    if not SurveyResponse.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        rating=int(rating), comment=(comment or "")[:5000], answered_at=now
    ):
        raise SurveyError("This survey has already been answered. Thank you!")
    survey.refresh_from_db()
    return survey
