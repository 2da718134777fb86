"""The priority levels' words from the presets (``sla/presets/*.yaml``), marked for translation.

The presets carry their translations in the catalogues (``locale/``): the portal and mail show a level's
name, definition and examples through ``gettext``, so a level loaded from a preset reads in the reader's
language, while one an admin renamed or wrote reads as the admin wrote it. A preset's new words go in
the list below (tests/sla/test_preset_messages.py names any missing), then ``make messages``.
"""

from django.utils.translation import gettext_noop

PRESET_MESSAGES = [
    gettext_noop("Level 1"),
    gettext_noop(
        "Interruption that causes critical functions to stop working with no workaround available. The issue limits users' (some to all users) ability to message or access the web/app."
    ),
    gettext_noop("Level 2"),
    gettext_noop(
        "Degraded service or impact on users' (some to all users) ability to message or access the web/app, resulting in a high impact on patient care."
    ),
    gettext_noop("Level 3"),
    gettext_noop(
        "Issue limited to a single user and their ability to message or access the web/app or is an urgent request. Contact support via phone but you may elect to submit a ticket."
    ),
    gettext_noop("Level 4"),
    gettext_noop(
        "Any task that could be performed with self-administration by the user or is a non-urgent change that impacts the admin side of the service. Use the Customer Portal to submit a ticket."
    ),
    gettext_noop("Urgent"),
    gettext_noop("The organization or its users are unable to get anything done."),
    gettext_noop("Server down"),
    gettext_noop("No internet"),
    gettext_noop("High"),
    gettext_noop("Work is seriously affected for several users, but some work can go on."),
    gettext_noop("Normal"),
    gettext_noop("A minor inconvenience; work goes on."),
    gettext_noop("Slow internet"),
    gettext_noop("Low"),
    gettext_noop("A requested change."),
    gettext_noop("A change request"),
    gettext_noop("Critical business-impacting issue. Application is not functional."),
    gettext_noop("Important business-impacting issue. Productivity is affected."),
    gettext_noop("Productivity is minimally affected."),
    gettext_noop("Question or product enhancement request."),
    gettext_noop("10 - Urgent"),
    gettext_noop("Category 10. Results in a message to available engineers 24x7."),
    gettext_noop("All inbound numbers and/or outbound calls have ceased to work."),
    gettext_noop("All Sharpen Q users are not able to receive calls"),
    gettext_noop("You cannot access the portal but can reach other sites such as Google."),
    gettext_noop("7 - High"),
    gettext_noop("Category 7. Results in a message to available engineers outside of office hours."),
    gettext_noop("One or more inbound numbers are failing"),
    gettext_noop("One or more outbound call failures"),
    gettext_noop("All Faxes are not being sent and/or received"),
    gettext_noop("Presence in the portal for calls is not updating for everyone"),
    gettext_noop("Consistent Call Quality Issues"),
    gettext_noop("One or more Sharpen Q users are not able to accept calls"),
    gettext_noop("5 - Normal"),
    gettext_noop("Category 5. During office hours attended to by duty staff and escalated as appropriate."),
    gettext_noop("Poor quality or single-destination call failures"),
    gettext_noop("Presence in the portal for calls is not updating for a single extension user"),
    gettext_noop("Sharpen Q calls are stuck in the portal but not affecting call flow"),
    gettext_noop("A single extension have issue"),
    gettext_noop("Phone Provision request"),
    gettext_noop("Conference Bridge Access Issues"),
    gettext_noop("Sales/service inquiries"),
    gettext_noop(
        "Business operations have ceased. All numbers, applications, and services are completely down."
    ),
    gettext_noop("Severe impact to business."),
    gettext_noop(
        "A critical application failure or an instance in which the majority of numbers and services are not functioning as expected."
    ),
    gettext_noop("Minor impact to business."),
    gettext_noop(
        "A non-critical issue that is not a direct result of the Plum Platform, such as the failure of a single number or intermittent issues"
    ),
    gettext_noop("Little or no business impact."),
    gettext_noop("Feature Request"),
    gettext_noop("General Question"),
]


def preset_texts() -> list[str]:
    """Every name, definition and example in the presets, in file order, once each."""
    from pathlib import Path

    import yaml

    out: list[str] = []
    for path in sorted((Path(__file__).parent / "presets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for level in data.get("priorities") or data.get("levels") or []:
            for text in [
                level.get("name"),
                (level.get("definition") or "").strip(),
                *(level.get("examples") or []),
            ]:
                if text and text not in out:
                    out.append(text)
    return out
