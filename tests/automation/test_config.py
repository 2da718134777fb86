"""Macros and rules travel in the SLA file: export, import into another desk, all or nothing."""

import pytest

from accounts.models import Team
from automation.models import Macro, Rule
from sla.config import ConfigError, dump_yaml, sla_config_export, sla_config_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def automation(priorities, tech, org):
    voice = Team.objects.create(name="Voice")
    ack = Macro.objects.create(
        name="Ack", reply="public", body="On it, {{ requester }}.", set_status="waiting"
    )
    Macro.objects.create(
        name="Mine", scope=Macro.Scope.PERSONAL, owner=tech, reply="internal", body="private"
    )
    Rule.objects.create(
        name="Outage",
        event=Rule.Event.CREATED,
        position=1,
        words="outage, lines down",
        organization=org,
        set_priority=priorities["urgent"],
        set_team=voice,
        assign_to=tech,
        apply_macro=ack,
        notify_emails=["boss@helpdesk.test"],
        stop=True,
    )
    Rule.objects.create(name="After hours", event=Rule.Event.CUSTOMER_REPLIED, position=2, hours="outside")
    return voice


def test_macros_and_rules_round_trip_through_the_sla_file(automation, tech):
    text = dump_yaml(sla_config_export())
    assert "rules:" in text and "macros:" in text and "private" not in text  # personal macros stay put
    Rule.objects.all().delete()
    Macro.objects.exclude(scope=Macro.Scope.PERSONAL).delete()
    counts = sla_config_import(text=text)
    assert counts["rules"] == 2 and counts["macros"] == 1
    outage = Rule.objects.get(name="Outage")
    assert (outage.set_team, outage.assign_to, outage.apply_macro.name, outage.stop) == (
        automation,
        tech,
        "Ack",
        True,
    )
    assert outage.organization.customer_number == "1001" and outage.words == "outage, lines down"
    assert Macro.objects.filter(scope=Macro.Scope.PERSONAL, name="Mine").exists()
    assert dump_yaml(sla_config_export()) == text  # import(export()) changes nothing


def test_a_rule_naming_a_team_or_technician_this_desk_lacks_is_refused_with_its_line(automation, priorities):
    text = (
        dump_yaml(sla_config_export())
        .replace("team: Voice", "team: Fax")
        .replace("tech@helpdesk.test", "nobody@x.test")
    )
    before = list(Rule.objects.values_list("name", flat=True))
    with pytest.raises(ConfigError) as refused:
        sla_config_import(text=text)
    message = str(refused.value)
    assert (
        "no team is called 'Fax' here" in message and "no active technician 'nobody@x.test' here" in message
    )
    assert list(Rule.objects.values_list("name", flat=True)) == before  # nothing applied
