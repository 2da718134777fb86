"""The YAML format: durations, validation that names the line and field, all-or-nothing import."""

from datetime import timedelta
from io import StringIO
from textwrap import dedent

import pytest
from django.core.management import CommandError, call_command

from sla.config import ConfigError, format_duration, parse_duration, sla_config_export, sla_config_import
from sla.models import (
    RANK_MAX,
    RANK_MIN,
    WARN_PERCENT_MAX,
    WARN_PERCENT_MIN,
    AlertRule,
    Calendar,
    JobPolicy,
    PriorityLevel,
    SLATarget,
    SupportPlan,
)

GOOD = dedent("""\
    calendars:
      - name: office                    # unique
        timezone: Europe/London
        hours: {mon: [["09:00", "17:30"]], tue: [["09:00", "12:00"], ["13:00", "17:30"]], fri: [[9:00, "24:00"]]}
        holidays: ["2026-12-25", {date: "2026-12-26", name: Boxing Day}]
        country_holidays: GB
        country_subdivision: ENG
      - name: always
        always_open: true
    priorities:
      - {slug: urgent, name: Urgent, rank: 1, definition: "All down", examples: ["No calls at all"], advise_phone: true}
      - {slug: normal, name: Normal, rank: 3, default: true}
    plans:
      - slug: enterprise
        name: Enterprise
        default: true
        targets:
          urgent: {first_response: 30m, resolution: 24h, calendar: always}
          normal: {first_response: 1h30m, calendar: office}
    jobs:
      default: {waiting_close_after: 14d, survey_enabled: true}
      enterprise: {assignment_deadline: 1h, calendar: office}
""")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("45m", timedelta(minutes=45)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1d 2h", timedelta(hours=26)),
        ("30min", timedelta(minutes=30)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations_parse_and_format_back(text, value):
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["", "4", "4x", "h", "1.5h", "30m1h", 4, True, None])
def test_bad_durations_are_rejected_with_an_example(text):
    with pytest.raises(ValueError, match="e.g. 45m, 4h, 2d"):
        parse_duration(text)


@pytest.mark.django_db
def test_the_issue_format_imports_with_every_field():
    counts = sla_config_import(text=GOOD)
    assert counts["plans"] == 1 and counts["calendars"] == 2
    office = Calendar.objects.get(name="office")
    assert [(h.weekday, h.start.strftime("%H:%M"), h.end.strftime("%H:%M")) for h in office.hours.all()] == [
        (0, "09:00", "17:30"),
        (1, "09:00", "12:00"),
        (1, "13:00", "17:30"),
        (4, "09:00", "00:00"),
    ]
    assert office.holidays.get(date="2026-12-26").name == "Boxing Day"
    assert office.country_holidays == "GB"
    target = SLATarget.objects.get(plan__slug="enterprise", priority__slug="normal")
    assert (target.first_response, target.resolution, target.calendar.name) == (
        timedelta(minutes=90),
        None,
        "office",
    )
    assert PriorityLevel.objects.get(slug="urgent").advise_phone
    assert JobPolicy.objects.get(plan=None).waiting_close_after == timedelta(days=14)
    assert JobPolicy.objects.get(plan__slug="enterprise").assignment_deadline == timedelta(hours=1)


def problems(text):
    with pytest.raises(ConfigError) as info:
        sla_config_import(text=text)
    return info.value.problems


@pytest.mark.django_db
def test_a_bad_field_is_named_with_its_line_and_nothing_changes():
    sla_config_import(text=GOOD)
    before = sla_config_export()
    broken = GOOD.replace("first_response: 1h30m", "first_response: 90 minutes").replace(
        "name: Enterprise", "name: Enterprise Plus"
    )
    found = problems(broken)
    assert found == [
        (
            19,
            "plans[enterprise].targets.normal.first_response",
            "'90 minutes' is not a duration; write e.g. 45m, 4h, 2d or 1h30m",
        )
    ]
    assert sla_config_export() == before  # the valid rename in the same file was not applied either


@pytest.mark.django_db
def test_every_problem_is_reported_at_once():
    text = dedent("""\
        calendars:
          - name: office
            timezone: Mars/Olympus
            hours: {mon: [["09:00", "25:00"]], tue: [["09:00", "12:00"], ["11:00", "17:00"]], funday: []}
        priorities:
          - {slug: urgent, name: Urgent, rank: 0, colour: red}
        plans:
          - slug: gold
            name: Gold
            targets:
              urgent: {first_response: 0m, calendar: nowhere}
              missing: {frist_response: 1h, calendar: office}
        alerts:
          - {event: created, audience: everyone, priority: nope}
        jobs:
          platinum: {stale_after: 1h}
        """)
    found = problems(text)
    paths = {(line, path) for line, path, _ in found}
    assert (3, "calendars[office].timezone") in paths
    assert (4, "calendars[office].hours.mon[0]") in paths
    assert (4, "calendars[office].hours.tue[1]") in paths  # overlaps
    assert (4, "calendars[office].hours.funday") in paths
    assert (6, "priorities[urgent].rank") in paths
    assert (6, "priorities[urgent].colour") in paths
    assert (11, "plans[gold].targets.urgent.first_response") in paths
    assert (11, "plans[gold].targets.urgent.calendar") in paths
    assert (12, "plans[gold].targets.missing") in paths
    assert (12, "plans[gold].targets.missing.frist_response") in paths
    assert (14, "alerts[0].audience") in paths
    assert (14, "alerts[0].priority") in paths
    assert (16, "jobs.platinum") in paths
    assert Calendar.objects.count() == 0 and PriorityLevel.objects.count() == 0


@pytest.mark.django_db
def test_broken_yaml_names_the_line():
    assert problems('calendars:\n  - name: office\n    hours: {mon: [["09:00", "17:00"]\n')[0][0] == 4


@pytest.mark.django_db
def test_a_key_twice_is_an_error():
    found = problems("priorities:\n  - {slug: a, name: A}\n  - slug: b\n    name: B\n    name: C\n")
    assert found == [(5, "name", "appears twice")]


@pytest.mark.django_db
def test_the_file_takes_the_ranges_the_models_declare():
    def rank_and_share(rank, share):
        return (
            "priorities:\n"
            f"  - {{slug: p, name: P, rank: {rank}}}\n"
            "alerts:\n"
            f"  - {{event: warning, audience: duty, threshold_percent: {share}}}\n"
        )

    sla_config_import(text=rank_and_share(RANK_MAX, WARN_PERCENT_MIN))
    sla_config_import(text=rank_and_share(RANK_MIN, WARN_PERCENT_MAX))
    assert PriorityLevel.objects.get().rank == RANK_MIN
    assert AlertRule.objects.get().threshold_percent == WARN_PERCENT_MAX
    assert [
        (line, path) for line, path, _ in problems(rank_and_share(RANK_MAX + 1, WARN_PERCENT_MAX + 1))
    ] == [
        (2, "priorities[p].rank"),
        (4, "alerts[0].threshold_percent"),
    ]
    assert len(problems(rank_and_share(RANK_MIN - 1, WARN_PERCENT_MIN - 1))) == 2


@pytest.mark.django_db
def test_a_list_where_a_name_belongs_is_an_error_with_its_line():
    found = problems(
        "calendars:\n  - {name: always, always_open: true}\n"
        "alerts:\n  - {event: breach, audience: duty, priority: [urgent], office_calendar: {a: 1}}\n"
        "jobs:\n  default: {calendar: [always]}\n"
    )
    assert [(line, path) for line, path, _ in found] == [
        (4, "alerts[0].priority"),
        (4, "alerts[0].office_calendar"),
        (6, "jobs.default.calendar"),
    ]


@pytest.mark.django_db
def test_a_date_that_does_not_exist_is_an_error_with_its_line():
    found = problems("calendars:\n  - name: office\n    always_open: true\n    holidays: [2026-02-30]\n")
    assert found[0][0] == 4 and "2026-02-30" in found[0][2]


@pytest.mark.django_db
def test_a_list_as_a_key_is_an_error_with_its_line():
    assert problems("priorities:\n  - slug: a\n    [name]: A\n") == [
        (3, "", "a key must be a name, not a list or mapping")
    ]


@pytest.mark.django_db
def test_references_to_existing_rows_are_allowed(plan):
    # the conftest plan has calendars "office"/"always" and priorities urgent..low already
    sla_config_import(
        text="plans:\n  - slug: bronze\n    name: Bronze\n    targets:\n      low: {first_response: 2d, calendar: office}\n"
    )
    assert SLATarget.objects.get(plan__slug="bronze").first_response == timedelta(days=2)


@pytest.mark.django_db
def test_alerts_and_jobs_sections_replace_the_previous_ones():
    sla_config_import(
        text=GOOD
        + "alerts:\n  - {event: breach, audience: team_leads}\n  - {event: warning, audience: assignee, threshold_percent: 80}\n"
    )
    assert AlertRule.objects.count() == 2
    sla_config_import(
        text=GOOD.replace("  enterprise: {assignment_deadline: 1h, calendar: office}\n", "")
        + "alerts:\n  - {event: breach, audience: directors, priority: urgent}\n"
    )
    assert list(AlertRule.objects.values_list("audience", "priority__slug")) == [("directors", "urgent")]
    assert list(JobPolicy.objects.values_list("plan", flat=True)) == [None]
    assert SupportPlan.objects.get().is_default


@pytest.mark.django_db
def test_import_command_reports_problems_and_unknown_presets(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "plans:\n  - {slug: x, name: X, targets: {urgent: {first_response: soon, calendar: always}}}\n"
    )
    with pytest.raises(CommandError, match=r"nothing was changed:\nline 2: plans\[x\]\.targets\.urgent"):
        call_command("sla_import", str(bad), stdout=StringIO())
    with pytest.raises(CommandError, match="no preset named 'nope'.*saas-tiers"):
        call_command("sla_import", "--preset", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("sla_import", str(tmp_path / "missing.yaml"), stdout=StringIO())
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    out = StringIO()
    call_command("sla_import", str(good), stdout=out)
    assert "Imported 2 calendars, 2 priorities, 1 plans" in out.getvalue()


def test_targets_export_in_hours_and_job_settings_in_days():
    assert format_duration(timedelta(hours=48), days=False) == "48h"
    assert format_duration(timedelta(hours=240, minutes=30), days=False) == "240h30m"
    assert format_duration(timedelta(days=14)) == "14d"
