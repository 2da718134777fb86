from datetime import timedelta

import pytest

from tests.conftest import NOW
from tickets.services import SurveyError, survey_answer, survey_for_token, survey_issue, ticket_create

pytestmark = pytest.mark.django_db


def test_a_survey_link_records_one_answer_and_then_refuses(customer, priorities):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    survey, token = survey_issue(ticket=ticket, now=NOW)
    assert survey_issue(ticket=ticket, now=NOW) is None  # one per ticket
    assert survey_for_token(token=token, now=NOW).rating is None  # opening records nothing
    survey_answer(token=token, rating=5, comment="great", now=NOW)
    with pytest.raises(SurveyError, match="already been answered"):
        survey_answer(token=token, rating=1, comment="", now=NOW)
    survey.refresh_from_db()
    assert survey.rating == 5


def test_a_survey_link_cannot_be_guessed_or_used_after_expiry(customer, priorities):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    _, token = survey_issue(ticket=ticket, now=NOW, valid_for=timedelta(days=7))
    with pytest.raises(SurveyError, match="not valid"):
        survey_answer(token=token[:-1] + ("A" if token[-1] != "A" else "B"), rating=4, comment="", now=NOW)
    with pytest.raises(SurveyError, match="expired"):
        survey_answer(token=token, rating=4, comment="", now=NOW + timedelta(days=8))
