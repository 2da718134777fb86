"""SLA selectors: deadlines from the policy rows, exact pause and resume, cached calendars, explanations."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from sla.calendars import business_time_between
from sla.models import Holiday
from sla.selectors import calendar_build, sla_deadlines, sla_explain, sla_policy_table
from tests.factories import office_calendar


def utc(*args):
    return datetime(*args, tzinfo=UTC)


H = timedelta(hours=1)


@pytest.mark.django_db
def test_deadlines_come_from_the_plan_table_in_three_queries(plan, priorities, django_assert_num_queries):
    with django_assert_num_queries(3):  # the target with its calendar, then its hours and holidays
        d = sla_deadlines(plan=plan, priority=priorities["normal"], start=utc(2026, 3, 6, 15, 30))
    assert (d.first_response_due_at, d.resolution_due_at) == (utc(2026, 3, 9, 11), utc(2026, 3, 13, 13))


FRIDAY = utc(2026, 3, 6, 15, 30)


@pytest.mark.django_db
def test_a_pause_leaves_out_exactly_the_open_time_paused(plan, priorities):
    # High: 24 h resolution on office hours (09:00-17:30); paused Friday 16:30 until Tuesday 10:00.
    pause = (utc(2026, 3, 6, 16, 30), utc(2026, 3, 10, 10))
    plain = sla_deadlines(plan=plan, priority=priorities["high"], start=FRIDAY)
    paused = sla_deadlines(plan=plan, priority=priorities["high"], start=FRIDAY, pauses=[pause])
    excluded = business_time_between(*pause, paused.calendar)
    assert excluded == 1 * H + 8.5 * H + 1 * H  # Friday's last hour, all of Monday, Tuesday 09:00-10:00
    # 1 h on Friday, Tuesday 10:00-17:30, all of Wednesday, then 7 h on Thursday.
    assert paused.resolution_due_at == utc(2026, 3, 12, 16)
    assert business_time_between(FRIDAY, paused.resolution_due_at, paused.calendar) == 24 * H + excluded
    assert paused.first_response_due_at == plain.first_response_due_at  # the first response never pauses


@pytest.mark.django_db
def test_a_pause_outside_hours_or_after_the_due_time_changes_nothing(plan, priorities):
    args = dict(plan=plan, priority=priorities["high"], start=FRIDAY)
    plain = sla_deadlines(**args).resolution_due_at
    weekend = (utc(2026, 3, 7, 10), utc(2026, 3, 8, 18))
    assert sla_deadlines(**args, pauses=[weekend]).resolution_due_at == plain
    after = (plain, plain + 48 * H)
    assert sla_deadlines(**args, pauses=[after]).resolution_due_at == plain


@pytest.mark.django_db
def test_two_pauses_add_up_like_one_of_the_same_length(plan, priorities):
    args = dict(plan=plan, priority=priorities["high"], start=FRIDAY)
    once = sla_deadlines(**args, pauses=[(utc(2026, 3, 9, 10), utc(2026, 3, 9, 12))])
    twice = sla_deadlines(
        **args,
        pauses=[(utc(2026, 3, 9, 11), utc(2026, 3, 9, 12)), (utc(2026, 3, 9, 10), utc(2026, 3, 9, 11))],
    )
    assert (
        once.resolution_due_at == twice.resolution_due_at == sla_deadlines(**args).resolution_due_at + 2 * H
    )


@pytest.mark.django_db
def test_the_resolution_clock_counts_from_its_own_start(plan, priorities):
    reopened = utc(2026, 3, 16, 9)
    d = sla_deadlines(plan=plan, priority=priorities["high"], start=FRIDAY, resolution_start=reopened)
    assert d.first_response_due_at == utc(2026, 3, 6, 17, 30)  # 2 h from Friday 15:30: at closing
    assert d.resolution_due_at == utc(2026, 3, 18, 16)  # 24 h of office time from Monday 16 March 09:00


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
    paused = sla_deadlines(
        plan=plan,
        priority=priorities["normal"],
        start=utc(2026, 3, 6, 15, 30),
        pauses=[(utc(2026, 3, 6), utc(2026, 3, 7))],
    )
    assert (paused.first_response_due_at, paused.resolution_due_at) == (None, None)


@pytest.mark.django_db
def test_the_explanation_names_each_pause_it_left_out(plan, priorities):
    pause = (utc(2026, 3, 6, 16, 30), utc(2026, 3, 10, 10))
    result = sla_explain(plan=plan, priority=priorities["high"], start=FRIDAY, pauses=[pause])
    assert result["resolution_due_at"] == utc(2026, 3, 12, 16)
    text = "\n".join(result["lines"])
    assert (
        "paused waiting on the customer Fri 06 Mar 16:30-Tue 10 Mar 10:00, 10 hours 30 minutes of open time "
        "not counted" in text
    )
    assert (
        "Counted: Fri 06 Mar 15:30-16:30; Tue 10 Mar 10:00-17:30; Wed 11 Mar 09:00-17:30; Thu 12 Mar 09:00-16:00"
        in text
    )


@pytest.mark.django_db
def test_the_explanation_speaks_the_active_language_with_its_plural_forms(plan, priorities):
    plan.targets.filter(priority=priorities["high"]).update(first_response=H)  # one hour: the singular
    pause = (utc(2026, 3, 6, 16, 30), utc(2026, 3, 10, 10))
    saturday = utc(2026, 3, 7, 10)

    def lines(lang):
        with translation.override(lang):
            explained = sla_explain(plan=plan, priority=priorities["high"], start=saturday, pauses=[pause])
        return "\n".join(explained["lines"])

    german = lines("de")
    assert "Gezählt im Kalender „office“ (Europe/London)." in german
    assert "Die Zählung beginnt mit der nächsten Öffnung, Mo 09 Mär 2026 09:00 GMT." in german
    assert (
        "Erstreaktion: 1 Geschäftsstunde, fällig Mo 09 Mär 2026 10:00 GMT (2026-03-09 10:00 UTC)." in german
    )
    assert "Lösung: 24 Geschäftsstunden, fällig Do 12 Mär 2026 17:00 GMT" in german
    assert "10 Stunden 30 Minuten Geschäftszeit nicht gezählt." in german
    french = lines("fr")
    assert "Première réponse : 1 heure ouvrée, échéance lun 09 Mar 2026 10:00 GMT" in french
    assert "Compté : mar 10 Mar 10:00-17:30; mer 11 Mar 09:00-17:30" in french
    english = lines("en-gb")  # the default where no language is active (manage.py)
    assert "First response: 1 business hour, due Mon 09 Mar 2026 10:00 GMT (2026-03-09 10:00 UTC)." in english


@pytest.mark.django_db
def test_a_plan_without_a_target_says_so_in_the_active_language(plan, priorities):
    plan.targets.filter(priority=priorities["high"]).delete()
    with translation.override("de"):
        [line] = sla_explain(plan=plan, priority=priorities["high"], start=FRIDAY)["lines"]
    assert line == "Der Plan Enterprise hat kein Ziel für Hoch: Nichts ist fällig."
