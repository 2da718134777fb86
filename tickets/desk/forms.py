"""Forms of the technician workspace: they validate input; the services decide."""

from __future__ import annotations

from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, When
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team, User
from sla.models import PriorityLevel

from ..fields import AttachmentsField, filing_token_field
from ..models import Channel, Incident, Message, Status, Ticket
from ..policy import MINUTES_MAX, TicketError, check_requester, parse_reference


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def staff_users():
    return User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")


class RequesterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} <{obj.email}>"


class LogTicketForm(forms.Form):
    """A ticket taken on a customer's behalf: phone, chat or a direct email to a technician."""

    CHANNELS = [
        (Channel.PHONE, _("Phone call")),
        (Channel.CHAT, _("Chat")),
        (Channel.STAFF_EMAIL, _("Direct email to a technician")),
    ]

    organization = forms.ModelChoiceField(queryset=Organization.objects.all())
    requester = RequesterChoiceField(
        queryset=User.objects.filter(is_active=True, organization__isnull=False)
        .select_related("organization")
        .order_by("organization__name", "email")
    )
    channel = forms.ChoiceField(choices=CHANNELS)
    priority = forms.ModelChoiceField(
        queryset=PriorityLevel.objects.all(),
        empty_label=None,
        help_text=_("Tickets from other channels are Normal unless you judge otherwise."),
    )
    subject = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    assign_to_me = forms.BooleanField(required=False, initial=True, label=_("Assign to me"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filing_token"] = filing_token_field()
        default = PriorityLevel.default()
        if default is not None:
            self.fields["priority"].initial = default.pk

    def requester_groups(self):
        """Requesters grouped by organization, for the <optgroup>s the picker filters."""
        groups: dict[int, tuple[str, list[User]]] = {}
        for user in self.fields["requester"].queryset:
            groups.setdefault(user.organization_id, (user.organization.name, []))[1].append(user)
        return [(org_id, name, users) for org_id, (name, users) in groups.items()]

    def clean(self):
        data = super().clean()
        org, requester = data.get("organization"), data.get("requester")
        if org and requester:
            try:
                check_requester(requester=requester, organization=org)
            except TicketError as exc:
                self.add_error("requester", str(exc))
        return data


PICKER_MAX = 40  # technicians listed in the ticket page's owner picker; anyone else is found by the search


def assignee_choices(*, ticket, viewer, viewer_teams: list[Team] | None = None) -> list[User]:
    """Who the owner picker lists: the ticket's team (or, for a ticket with no team, the viewer's teams),
    the current owner and the viewer; on a desk without teams, the first ``PICKER_MAX`` technicians by
    name (the owner and the viewer first). Everyone else is one search away (``AssignForm.search``).
    One query, whatever the number of technicians. ``ticket=None``: the queue's bulk bar (the viewer's
    teams and the viewer; anyone else by address). ``viewer_teams``: the viewer's teams when the caller
    has read them already (the queue page lists them anyway): the picker is then one plain query."""
    team_id = ticket.team_id if ticket is not None else None
    if ticket is None and viewer_teams is not None:
        return _my_teams_choices(viewer, [t.pk for t in viewer_teams])
    teams = [team_id] if team_id else Team.objects.filter(members=viewer).values("pk")
    in_team = Exists(Team.members.through.objects.filter(user_id=OuterRef("pk"), team_id__in=teams))
    fixed = [pk for pk in (viewer.pk, ticket.assignee_id if ticket is not None else None) if pk]
    near = Q(pk__in=fixed) | Q(in_team)
    people = list(
        staff_users()
        .only("pk", "full_name", "email", "first_name", "last_name")
        .annotate(near=Case(When(near, then=0), default=1, output_field=IntegerField()))
        .annotate(team_member=Case(When(in_team, then=1), default=0, output_field=IntegerField()))
        .order_by("near", "full_name", "email")[:PICKER_MAX]
    )
    if any(p.team_member for p in people):  # a team applies: only it (and the owner and me)
        people = [p for p in people if p.near == 0]
    return sorted(people, key=lambda p: (p.full_name, p.email))


def _my_teams_choices(viewer, team_ids: list[int]) -> list[User]:
    """The bulk bar's picker when the viewer's teams are known: their members and the viewer, by name;
    on a desk where the viewer has no team, the first ``PICKER_MAX`` technicians (the viewer among them).
    The same people as the general rule above, without its ranking expressions."""
    people = staff_users().only("pk", "full_name", "email", "first_name", "last_name")
    if team_ids:
        members = Team.members.through.objects.filter(team_id__in=team_ids).values("user_id")
        return list(people.filter(Q(pk=viewer.pk) | Q(pk__in=members))[:PICKER_MAX])
    listed = list(people[:PICKER_MAX])
    if viewer.is_staff and viewer.is_active and all(p.pk != viewer.pk for p in listed):
        listed = sorted([*listed[: PICKER_MAX - 1], viewer], key=lambda p: (p.full_name, p.email))
    return listed


def staff_find(text: str) -> User:
    """One active technician from what a person types: an email address, or (part of) a name that only
    one technician's name or address holds."""
    text = text.strip()
    people = staff_users()
    exact = people.filter(email__iexact=text).first()
    if exact is not None:
        return exact
    found = list(people.filter(Q(full_name__icontains=text) | Q(email__icontains=text))[:2])
    if not found:
        raise forms.ValidationError(gettext("No technician matches “%(text)s”.") % {"text": text})
    if len(found) > 1:
        raise forms.ValidationError(
            gettext("Several technicians match “%(text)s”: type more of the name or the address.")
            % {"text": text}
        )
    return found[0]


class AssignForm(forms.Form):
    agent = StaffChoiceField(queryset=staff_users(), required=False, empty_label=_("— nobody —"))
    search = forms.CharField(
        required=False,
        max_length=254,
        label=_("Or someone else"),
        help_text=_("A name or an email address."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = staff_users()

    def clean(self):
        data = super().clean()
        if (data.get("search") or "").strip():
            data["agent"] = staff_find(data["search"])
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label=_("Message"))
    kind = forms.ChoiceField(
        choices=[(Message.Kind.PUBLIC, _("Public reply")), (Message.Kind.INTERNAL, _("Internal note"))],
        widget=forms.RadioSelect,
        initial=Message.Kind.PUBLIC,
    )
    set_status = forms.ChoiceField(
        required=False,
        label=_("Then set status"),
        choices=[
            ("", _("— leave as it is —")),
            (Status.WAITING, _("Waiting on customer")),
            (Status.RESOLVED, _("Resolved")),
        ],
    )
    attachments = AttachmentsField(help_text=_("Images, PDF, archives, logs; no web pages or programs."))
    minutes = forms.IntegerField(
        required=False, min_value=0, max_value=MINUTES_MAX, label=_("Time spent (minutes)")
    )
    # The newest message the agent had on screen; a newer one from someone else stops the send once.
    seen_message = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(required=False, max_length=255)


class ReclassifyForm(forms.Form):
    priority = forms.ModelChoiceField(queryset=PriorityLevel.objects.all(), empty_label=None)
    reason = forms.CharField(max_length=1000, help_text=_("Required. The customer is told."))


class MergeForm(forms.Form):
    target = forms.CharField(
        max_length=40, label=_("Merge into ticket"), help_text=_('A reference, e.g. "HD-123" or "123".')
    )

    def clean_target(self) -> Ticket:
        pk = parse_reference(self.cleaned_data["target"])
        ticket = Ticket.objects.filter(pk=pk).first() if pk else None
        if ticket is None:
            raise forms.ValidationError(
                gettext("No ticket %(reference)s.") % {"reference": self.cleaned_data["target"]}
            )
        return ticket


class TagsForm(forms.Form):
    """Tags to add (comma-separated, new names allowed) and/or one to remove; the service checks names."""

    add = forms.CharField(required=False, max_length=500, label=_("Add tags"))
    remove = forms.CharField(required=False, max_length=60)

    def clean(self):
        data = super().clean()
        if not (data.get("add") or "").strip() and not (data.get("remove") or "").strip():
            raise forms.ValidationError(gettext("Name a tag to add or remove."))
        return data


class LinkIncidentForm(forms.Form):
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.filter(resolved_at__isnull=True), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.filter(resolved_at__isnull=True)


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    public_status = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Public status"),
        help_text=_("Shown on every portal page while the incident is open."),
    )


class IncidentUpdateForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Update"),
        help_text=_("Replaces the banner text and is mailed to every linked requester."),
    )


class IncidentLinkTicketsForm(forms.Form):
    references = forms.CharField(
        max_length=2000, label=_("Link tickets"), help_text=_("References, separated by spaces or commas.")
    )

    def clean_references(self) -> list[Ticket]:
        raw = [r for r in self.cleaned_data["references"].replace(",", " ").split() if r]
        pks, bad = [], []
        for ref in raw:
            pk = parse_reference(ref)
            (pks if pk else bad).append(pk or ref)
        found = {t.pk: t for t in Ticket.objects.filter(pk__in=pks)}
        bad += [str(pk) for pk in pks if pk not in found]
        if bad:
            raise forms.ValidationError(
                ngettext("Unknown ticket: %(references)s.", "Unknown tickets: %(references)s.", len(bad))
                % {"references": ", ".join(bad)}
            )
        return [found[pk] for pk in dict.fromkeys(pks)]


class IncidentResolveForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Closing note"))
    resolve_tickets = forms.BooleanField(required=False, label=_("Also resolve the linked open tickets"))


class AbuseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label=_("Reason"),
        help_text=_("Recorded, and told to the customer on every downgraded ticket."),
    )
