"""Portal forms. A request form is built from its RequestType's field list, so admins define new forms
without code; values are stored in ``Ticket.request_fields`` and summarised in the description."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sla.models import PriorityLevel

from ..fields import AttachmentsField, LimitedTextField, filing_token_field
from ..models import Status


def _attachment_limit(*, sentence: bool = False) -> str:
    """ "up to 5 files, 10.0 MB each." ("Up to ..." as a sentence of its own), in the active language."""
    count = settings.HELPDESK_MAX_ATTACHMENTS
    if sentence:
        text = ngettext(
            "Up to %(count)d file, %(size)s each.", "Up to %(count)d files, %(size)s each.", count
        )
    else:
        text = ngettext(
            "up to %(count)d file, %(size)s each.", "up to %(count)d files, %(size)s each.", count
        )
    return text % {
        "count": count,
        "size": filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES),
    }


class LevelChoiceField(forms.ModelChoiceField):
    """Priority levels by name, a preset's in the reader's language (sla/preset_messages.py)."""

    def label_from_instance(self, obj) -> str:
        return gettext(obj.name)


class PortalForm(forms.Form):
    """Labels without Django's trailing colon, as the rest of the portal writes them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# Used when an admin has defined no request form at all.
FALLBACK_FIELDS = [
    {
        "name": "details",
        "label": _("Describe the problem"),
        "type": "textarea",
        "required": True,
        "help": _("What happens, since when, and what you expected."),
    },
]

MAX_TEXT = 20_000  # characters in a request's long fields and in a reply

_PHONE = re.compile(r"^\+?[\d\s().\-/]{3,40}$")


class PhoneListField(forms.CharField):
    """Phone numbers separated by commas, semicolons or new lines; cleans to a list."""

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, list | tuple):
            value = ", ".join(value)
        return value

    def clean(self, value):
        text = super().clean(value)
        numbers = [n.strip() for n in re.split(r"[,;\n]+", text or "") if n.strip()]
        bad = [n for n in numbers if not _PHONE.match(n) or sum(c.isdigit() for c in n) < 3]
        if bad:
            raise forms.ValidationError(
                _(
                    "“%(n)s” does not look like a phone number. Use digits, spaces and an optional leading +, "
                    "and separate numbers with commas."
                ),
                params={"n": bad[0]},
                code="phone",
            )
        return numbers


def _request_field(spec: dict) -> forms.Field:
    kind = spec.get("type", "text")
    common = {
        "label": spec.get("label") or spec["name"],
        "required": bool(spec.get("required")),
        "help_text": spec.get("help", ""),
    }
    if kind == "textarea":
        return LimitedTextField(max_length=MAX_TEXT, **common)
    if kind == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date", "max": date.today().isoformat()}),
            **common,
            error_messages={"invalid": _("Enter a date, e.g. 2026-03-02.")},
        )
    if kind == "choice":
        choices = [(c, c) for c in spec.get("choices") or []]
        return forms.ChoiceField(choices=[("", _("Choose…"))] + choices, **common)
    if kind == "phone_list":
        return PhoneListField(max_length=1000, widget=forms.TextInput(attrs={"inputmode": "tel"}), **common)
    return forms.CharField(max_length=500, **common)


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def _display(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


class TicketRequestForm(PortalForm):
    """Subject, the request type's own fields, then (when filing) priority, incident and attachments."""

    required_css_class = "required"  # the label gets a visible "required" mark (app.css)

    subject = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line saying what is wrong, e.g. “Inbound calls to 0800 number fail”."),
    )

    def __init__(
        self,
        *args,
        field_specs: list[dict],
        priorities=None,
        default_priority=None,
        incidents=(),
        filing: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.field_specs = field_specs
        for spec in field_specs:
            self.fields[f"rf_{spec['name']}"] = _request_field(spec)
        self.incidents = list(incidents)
        if not filing:
            return
        self.fields["priority"] = LevelChoiceField(
            queryset=priorities if priorities is not None else PriorityLevel.objects.all(),
            widget=forms.RadioSelect,
            empty_label=None,
            label=_("Priority"),
            initial=default_priority.pk if default_priority else None,
            error_messages={
                "required": _("Choose a priority."),
                "invalid_choice": _("Choose one of the priorities shown."),
            },
        )
        if len(self.incidents) == 1:
            self.fields["about_incident"] = forms.BooleanField(
                required=False,
                label=_("This is about the current incident: %(title)s") % {"title": self.incidents[0].title},
            )
        elif self.incidents:
            self.fields["incident"] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                label=_("Is this about a current incident?"),
                choices=[("", _("No, it is something else"))] + [(i.pk, i.title) for i in self.incidents],
            )
        self.fields["filing_token"] = filing_token_field()
        self.fields["attachments"] = AttachmentsField(
            label=_("Attachments"),
            help_text=_("Screenshots or logs: %(limit)s Web pages and programs are not accepted.")
            % {"limit": _attachment_limit()},
        )

    def request_field_items(self):
        return [self[f"rf_{spec['name']}"] for spec in self.field_specs]

    def request_fields(self) -> dict:
        return {s["name"]: _json_value(self.cleaned_data.get(f"rf_{s['name']}")) for s in self.field_specs}

    def description(self) -> str:
        """The request as plain text for the thread, the desk and email: short fields first, then prose."""
        lines, prose = [], []
        for spec in self.field_specs:
            value = self.cleaned_data.get(f"rf_{spec['name']}")
            if value in (None, "", []):
                continue
            if spec.get("type") == "textarea":
                prose.append(str(value).strip())
            else:
                label = spec.get("label") or spec["name"]
                lines.append(f"{label}{' ' if label.endswith(('?', ':')) else ': '}{_display(value)}")
        return "\n\n".join(part for part in ("\n".join(lines), "\n\n".join(prose)) if part)

    def incident_choice(self):
        if self.cleaned_data.get("about_incident") and len(self.incidents) == 1:
            return self.incidents[0]
        chosen = self.cleaned_data.get("incident")
        return next((i for i in self.incidents if i.pk == chosen), None)


def edit_initial(ticket, field_specs: list[dict]) -> dict:
    initial = {"subject": ticket.subject}
    for spec in field_specs:
        value = (ticket.request_fields or {}).get(spec["name"])
        initial[f"rf_{spec['name']}"] = ", ".join(value) if isinstance(value, list) else value
    return initial


class ReplyForm(PortalForm):
    body = LimitedTextField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TEXT,
        error_messages={"required": _("Write a reply before sending.")},
    )
    attachments = AttachmentsField(
        label=_("Attach files"),
        help_text=lazy(lambda: _attachment_limit(sentence=True), str)(),
    )


class CloseForm(PortalForm):
    reason = forms.CharField(
        label=_("Why close it without a resolution?"),
        max_length=255,
        help_text=_("For example: “No longer needed” or “Worked around it”."),
        error_messages={"required": _("Give a reason, so the team knows why the ticket was closed.")},
    )


class EscalateForm(PortalForm):
    reason = forms.CharField(
        label=_("What makes this urgent now? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STATUS_FILTERS = [
    ("", _("Any status")),
    ("open", _("Open (not resolved)")),
    (Status.WAITING, _("Waiting on you")),
    (Status.RESOLVED, _("Resolved")),
    (Status.CLOSED, _("Closed")),
]


class TicketFilterForm(PortalForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _('Reference or words, "a phrase", -not')}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    priority = LevelChoiceField(
        label=_("Priority"),
        required=False,
        queryset=PriorityLevel.objects.all(),
        empty_label=_("Any priority"),
        to_field_name="slug",
    )


class SurveyForm(PortalForm):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled this ticket?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (5, _("5 · Very satisfied")),
            (4, _("4 · Satisfied")),
            (3, _("3 · Neutral")),
            (2, _("2 · Dissatisfied")),
            (1, _("1 · Very dissatisfied")),
        ],
        error_messages={"required": _("Choose a rating.")},
    )
    comment = forms.CharField(
        label=_("Anything we could do better? (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
