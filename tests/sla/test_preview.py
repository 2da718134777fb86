"""``manage.py sla_preview``: JSON lines in, one JSON line out per input, in order; bad lines say why."""

import json
from io import StringIO

import pytest
from django.core.management import call_command


def preview(*lines: str) -> list[dict]:
    out = StringIO()
    call_command("sla_preview", stdin=StringIO("".join(line + "\n" for line in lines)), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_it_answers_each_line_in_order_in_utc_with_z(plan):
    answers = preview(
        '{"plan": "enterprise", "priority": "normal", "received_at": "2026-03-06T16:45:00+00:00"}',
        '{"plan": "enterprise", "priority": "urgent", "received_at": "2026-03-06T16:45:00Z"}',
        '{"plan": "enterprise", "priority": "low", "received_at": "2026-03-06T17:45:00+01:00"}',
    )
    assert answers == [
        # Normal 4 h / 40 h on London office hours: 45 min Friday, the rest from Monday 09:00
        {"first_response_due_at": "2026-03-09T12:15:00Z", "resolution_due_at": "2026-03-13T14:15:00Z"},
        # Urgent 30 min / 24 h, 24x7
        {"first_response_due_at": "2026-03-06T17:15:00Z", "resolution_due_at": "2026-03-07T16:45:00Z"},
        # Low has no resolution target: null. 17:45+01:00 is 16:45 UTC
        {"first_response_due_at": "2026-03-16T13:45:00Z", "resolution_due_at": None},
    ]


@pytest.mark.django_db
def test_a_bad_line_gets_an_error_and_the_rest_go_on(plan):
    good = '{"plan": "enterprise", "priority": "urgent", "received_at": "2026-03-06T15:30:00Z"}'
    answers = preview(
        "not json",
        good,
        '{"plan": "gold", "priority": "urgent", "received_at": "2026-03-06T15:30:00Z"}',
        '{"plan": "enterprise", "priority": "critical", "received_at": "2026-03-06T15:30:00Z"}',
        '{"plan": "enterprise", "priority": "urgent", "received_at": "2026-03-06T15:30:00"}',
        '{"plan": "enterprise", "priority": "urgent", "received_at": "yesterday"}',
        '{"plan": "enterprise", "priority": "urgent"}',
        "[1, 2]",
        "",
        good,
    )
    assert [sorted(a) for a in answers] == [
        ["error"],
        ["first_response_due_at", "resolution_due_at"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["error"],
        ["first_response_due_at", "resolution_due_at"],
    ]
    assert answers[0]["error"].startswith("not JSON")
    assert answers[2] == {"error": "no plan 'gold'"}
    assert answers[3] == {"error": "no priority 'critical'"}
    assert "no time zone offset" in answers[4]["error"]
    assert "not ISO 8601" in answers[5]["error"]
    assert answers[6] == {"error": "missing received_at"}
    assert (
        answers[1]
        == answers[8]
        == {"first_response_due_at": "2026-03-06T16:00:00Z", "resolution_due_at": "2026-03-07T15:30:00Z"}
    )


@pytest.mark.django_db
def test_a_plan_without_a_target_for_the_priority_answers_null(plan, priorities):
    from tests.factories import PlanFactory

    PlanFactory(slug="bare", name="Bare")
    assert preview('{"plan": "bare", "priority": "urgent", "received_at": "2026-03-06T15:30:00Z"}') == [
        {"first_response_due_at": None, "resolution_due_at": None}
    ]


@pytest.mark.django_db
def test_line_buffered_mode_flushes_every_answer(plan):
    class Counting(StringIO):
        flushes = 0

        def flush(self):
            Counting.flushes += 1

    out = Counting()
    line = '{"plan": "enterprise", "priority": "urgent", "received_at": "2026-03-06T15:30:00Z"}\n'
    call_command("sla_preview", "--line-buffered", stdin=StringIO(line * 3), stdout=out)
    assert len(out.getvalue().splitlines()) == 3
    assert Counting.flushes >= 3
