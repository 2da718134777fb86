"""SLA services: deadlines from the policy rows, exact pause and resume, cached calendars, explanations."""

from datetime import UTC, date, datetime, timedelta

import pytest

from sla.models import Holiday
from sla.services import calendar_build, sla_deadlines, sla_explain, sla_policy_table, sla_shift_after_pause
from tests.factories import office_calendar


def utc(*args):
    return datetime(*args, tzinfo=UTC)


H = timedelta(hours=1)


@pytest.mark.django_db
def test_deadlines_come_from_the_plan_table_in_three_queries(plan, priorities, django_assert_num_queries):
    with django_assert_num_queries(3):  # the target with its calendar, then its hours and holidays
        d = sla_deadlines(plan=plan, priority=priorities["normal"], start=utc(2026, 3, 6, 15, 30))
    assert (d.first_response_due_at, d.resolution_due_at) == (utc(2026, 3, 9, 11), utc(2026, 3, 13, 13))


@pytest.mark.django_db
def test_pause_and_resume_move_the_due_time_by_exactly_the_open_time_paused(plan, priorities):
    # High on office hours; due Monday 11:00 when paused Friday 16:30 (1 h Friday + 2 h Monday left)
    new_due, excluded = sla_shift_after_pause(
        plan=plan,
        priority=priorities["high"],
        due_at=utc(2026, 3, 9, 11),
        paused_at=utc(2026, 3, 6, 16, 30),
        resumed_at=utc(2026, 3, 10, 10),
    )
    assert new_due == utc(2026, 3, 10, 13)  # the three hours left, counted again from Tuesday 10:00
    assert excluded == 1 * H + 8.5 * H + 1 * H  # Friday's last hour, all of Monday, Tuesday 09:00-10:00


@pytest.mark.django_db
def test_a_pause_outside_hours_changes_nothing(plan, priorities):
    due = utc(2026, 3, 9, 11)
    new_due, excluded = sla_shift_after_pause(
        plan=plan,
        priority=priorities["high"],
        due_at=due,
        paused_at=utc(2026, 3, 7, 10),
        resumed_at=utc(2026, 3, 8, 18),
    )
    assert (new_due, excluded) == (due, timedelta(0))


@pytest.mark.django_db
def test_a_breach_before_the_pause_stands(plan, priorities):
    due = utc(2026, 3, 6, 10)
    new_due, _ = sla_shift_after_pause(
        plan=plan,
        priority=priorities["high"],
        due_at=due,
        paused_at=utc(2026, 3, 6, 12),
        resumed_at=utc(2026, 3, 9, 12),
    )
    assert new_due == due


@pytest.mark.django_db
def test_two_pauses_add_up_like_one_of_the_same_length(plan, priorities):
    args = dict(plan=plan, priority=priorities["high"])
    due = utc(2026, 3, 9, 16)
    once, _ = sla_shift_after_pause(
        **args, due_at=due, paused_at=utc(2026, 3, 9, 10), resumed_at=utc(2026, 3, 9, 12)
    )
    first, _ = sla_shift_after_pause(
        **args, due_at=due, paused_at=utc(2026, 3, 9, 10), resumed_at=utc(2026, 3, 9, 11)
    )
    second, _ = sla_shift_after_pause(
        **args, due_at=first, paused_at=utc(2026, 3, 9, 11), resumed_at=utc(2026, 3, 9, 12)
    )
    assert once == second == utc(2026, 3, 10, 9, 30)


@pytest.mark.django_db
def test_calendar_build_is_cached_and_a_change_is_seen_at_once():
    office = office_calendar()
    first = calendar_build(office)
    assert calendar_build(office) is first  # the same instance, its timeline reused
    Holiday.objects.create(calendar=office, date=date(2026, 3, 9), name="Closed")
    changed = calendar_build(office)
    assert changed is not first
    from sla.calendars import add_business_time

    assert add_business_time(utc(2026, 3, 6, 17), H, first) == utc(2026, 3, 9, 9, 30)
    assert add_business_time(utc(2026, 3, 6, 17), H, changed) == utc(2026, 3, 10, 9, 30)


@pytest.mark.django_db
def test_country_holidays_are_applied_without_building_a_century():
    office = office_calendar()
    office.country_holidays, office.country_subdivision = "GB", "ENG"
    office.save()
    cal = calendar_build(office)
    from sla.calendars import add_business_time

    assert add_business_time(utc(2026, 4, 2, 16), H, cal) == utc(
        2026, 4, 7, 8, 30
    )  # Good Friday, Easter Monday
    line = cal._timeline[0]
    assert line.last_day.year - line.first_day.year <= 3


@pytest.mark.django_db
def test_the_policy_table_answers_like_sla_deadlines(plan, priorities):
    table = sla_policy_table()
    for slug, level in priorities.items():
        d = sla_deadlines(plan=plan, priority=level, start=utc(2026, 3, 6, 16, 45))
        assert table[("enterprise", slug)].deadlines(utc(2026, 3, 6, 16, 45)) == (
            d.first_response_due_at,
            d.resolution_due_at,
        )


@pytest.mark.django_db
def test_the_explanation_says_where_counting_starts_and_what_was_counted(plan, priorities):
    result = sla_explain(plan=plan, priority=priorities["normal"], start=utc(2026, 3, 7, 10))
    assert result["first_response_due_at"] == utc(2026, 3, 9, 13)
    text = "\n".join(result["lines"])
    assert "counting starts at the next opening, Mon 09 Mar 2026 09:00 GMT" in text
    assert "Resolution: 40 business hours, due" in text  # hours of open time, never "1 day, 16:00:00"
    assert "Mon 09 Mar 09:00-13:00" in text


@pytest.mark.django_db
def test_a_calendar_without_opening_hours_gives_no_deadlines_instead_of_an_error(plan, priorities):
    from sla.models import Calendar

    closed = Calendar.objects.create(name="closed", timezone="Europe/London")
    plan.targets.filter(priority=priorities["normal"]).update(calendar=closed)
    d = sla_deadlines(plan=plan, priority=priorities["normal"], start=utc(2026, 3, 6, 15, 30))
    assert (d.first_response_due_at, d.resolution_due_at) == (None, None)
    due = utc(2026, 3, 9, 11)
    assert sla_shift_after_pause(
        plan=plan,
        priority=priorities["normal"],
        due_at=due,
        paused_at=utc(2026, 3, 6),
        resumed_at=utc(2026, 3, 7),
    ) == (due, timedelta(0))
