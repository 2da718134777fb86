"""The macro form the admin and the desk's editor share: the model's own checks (``Macro.clean``) plus
the rule of who may make which macro (``permissions.may_manage_macro``), so both channels refuse alike."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import Macro, Rule
from .permissions import macro_scopes_for, macro_teams_for, may_manage_macro

MACRO_FIELDS = (
    "name",
    "active",
    "scope",
    "team",
    "reply",
    "body",
    "set_status",
    "set_priority",
    "priority_reason",
    "assign_to_me",
    "set_team",
    "add_tags",
    "remove_tags",
)
# The editors' words for each field (the English is the model's own field names).
MACRO_LABELS = {
    "name": _("Name"),
    "active": _("Active"),
    "scope": _("Scope"),
    "team": _("Team"),
    "reply": pgettext_lazy("macro field", "Reply"),
    "body": _("Body"),
    "set_status": _("Set status"),
    "set_priority": _("Set priority"),
    "priority_reason": _("Priority reason"),
    "assign_to_me": _("Assign to me"),
    "set_team": _("Set team"),
    "add_tags": _("Add tags"),
    "remove_tags": _("Remove tags"),
    "owner": _("Owner"),
}


def refusal(user) -> str:
    if user.is_helpdesk_admin:
        return ""
    if user.is_team_lead:
        return gettext(
            "You may not make or change this macro: leads manage their own personal macros and those of "
            "their teams."
        )
    return gettext("You may not make or change this macro: technicians manage their own personal macros.")


class MacroPermissionMixin:
    """After the model's checks, the rule: the macro as it would be saved must be one ``user`` may manage
    (the desk form checks the macro as it was too, before it is bound; the admin by its permissions)."""

    user = None

    def _post_clean(self):
        super()._post_clean()
        if self.user is not None and not may_manage_macro(self.user, self.instance):
            self.add_error(None, refusal(self.user))


class MacroForm(MacroPermissionMixin, forms.ModelForm):
    """The desk's editor. The owner of a personal macro is whoever makes it; scopes and teams offered are
    the ones this person may choose."""

    class Meta:
        model = Macro
        fields = MACRO_FIELDS
        labels = MACRO_LABELS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.owner_id is None:
            self.instance.owner = user
        allowed = macro_scopes_for(user)
        if self.instance.pk and self.instance.scope not in allowed:
            allowed = [*allowed, self.instance.scope]
        self.fields["scope"].choices = [(v, label) for v, label in Macro.Scope.choices if v in allowed]
        self.fields["scope"].initial = Macro.Scope.PERSONAL
        self.fields["team"].queryset = macro_teams_for(user)
        self.fields["team"].help_text = _("For a team's macro: the team whose members use it.")

    def _post_clean(self):
        # A personal macro made or turned personal here is its editor's own (unless it has an owner).
        if self.cleaned_data.get("scope") != Macro.Scope.TEAM:
            self.cleaned_data["team"] = None
        super()._post_clean()


RULE_FIELDS = (
    "name",
    "event",
    "position",
    "active",
    "stop",
    "channel",
    "organization",
    "plan",
    "priority",
    "request_type",
    "request_fields",
    "words",
    "has_tag",
    "hours",
    "calendar",
    "set_priority",
    "set_team",
    "assign_to",
    "apply_macro",
    "add_tags",
    "remove_tags",
    "notify_emails",
    "webhook_url",
)


RULE_LABELS = {
    "name": _("Name"),
    "event": _("Event"),
    "position": _("Position"),
    "active": _("Active"),
    "stop": _("Stop"),
    "channel": _("Channel"),
    "organization": _("Organization"),
    "plan": _("Plan"),
    "priority": _("Priority"),
    "request_type": _("Request type"),
    "request_fields": _("Request fields"),
    "words": _("Words"),
    "has_tag": _("Has tag"),
    "hours": _("Hours"),
    "calendar": _("Calendar"),
    "set_priority": _("Set priority"),
    "set_team": _("Set team"),
    "assign_to": _("Assign to"),
    "apply_macro": _("Apply macro"),
    "add_tags": _("Add tags"),
    "remove_tags": _("Remove tags"),
    "notify_emails": _("Notify emails"),
    "webhook_url": _("Webhook url"),
}


class RuleForm(forms.ModelForm):
    """The desk's rule editor: the admin's fields and checks (``Rule.clean``)."""

    class Meta:
        model = Rule
        fields = RULE_FIELDS
        labels = RULE_LABELS
