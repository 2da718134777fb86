from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .config import JOB_DURATIONS, format_duration, parse_duration
from .models import (
    AlertRule,
    BusinessHours,
    Calendar,
    EscalationContact,
    Holiday,
    JobPolicy,
    OnCallShift,
    PriorityLevel,
    SLATarget,
    SupportPlan,
)
from .selectors import sla_explain


class DurationTextField(forms.CharField):
    """A duration typed as 45m, 4h, 2d or 1h30m (the YAML format), shown back the same way."""

    def __init__(self, *, days: bool = True, **kwargs):
        self.days = days  # SLA targets show as 48h (business time), job settings as 14d
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 8, "placeholder": "e.g. 4h"}))
        kwargs.setdefault("help_text", "45m, 4h, 2d (24 h of open time) or 1h30m; empty for no target.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if hasattr(value, "total_seconds"):
            return format_duration(value, days=self.days) if value.total_seconds() > 0 else ""
        return value

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            parsed = parse_duration(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if parsed.total_seconds() <= 0:
            raise ValidationError("Must be longer than zero.")
        return parsed

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial or None)
        except ValidationError:
            return True


@admin.register(PriorityLevel)
class PriorityLevelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "rank", "colour", "advise_phone", "is_default")
    list_editable = ("rank",)
    ordering = ("rank",)
    search_fields = ("name", "slug", "definition")
    prepopulated_fields = {"slug": ("name",)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "colour":  # a colour picker can only send "#rrggbb"; the model refuses the rest
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class SLATargetForm(forms.ModelForm):
    first_response = DurationTextField(label="First response", days=False)
    resolution = DurationTextField(label="Resolution", days=False)

    class Meta:
        model = SLATarget
        fields = ("priority", "first_response", "resolution", "calendar")

    def clean(self):
        data = super().clean()
        if (data.get("first_response") or data.get("resolution")) and not data.get("calendar"):
            self.add_error("calendar", "Choose the calendar the targets count on.")
        return data


class SLATargetInline(admin.TabularInline):
    """The SLA table as a grid on the plan page: one row per priority, durations typed as 4h or 30m.

    Priorities without a target yet get a pre-filled blank row; leave it empty for "no target".
    """

    model = SLATarget
    form = SLATargetForm
    fields = ("priority", "first_response", "resolution", "calendar")
    ordering = ("priority__rank",)
    verbose_name = "SLA target"
    verbose_name_plural = "SLA table (one row per priority)"

    def _missing(self, obj):
        have = set(obj.targets.values_list("priority_id", flat=True)) if obj else set()
        return [p for p in PriorityLevel.objects.order_by("rank") if p.pk not in have]

    def get_extra(self, request, obj=None, **kwargs):
        return len(self._missing(obj))

    def get_max_num(self, request, obj=None, **kwargs):
        return PriorityLevel.objects.count()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        missing = self._missing(obj)
        default_calendar = Calendar.objects.filter(targets__plan=obj).first() if obj else None

        class Prefilled(formset):
            def __init__(self, *args, **kw):
                kw.setdefault(
                    "initial",
                    [
                        {"priority": p.pk, "calendar": default_calendar.pk if default_calendar else None}
                        for p in missing
                    ],
                )
                super().__init__(*args, **kw)

            def _construct_form(self, i, **kw):
                form = super()._construct_form(i, **kw)
                # a pre-filled row the admin left blank is "no target", not an error
                if form.instance.pk is None:
                    form.empty_permitted = True
                    form.use_required_attribute = False
                return form

        return Prefilled


class JobPolicyForm(forms.ModelForm):
    class Meta:
        model = JobPolicy
        fields = ("plan", "calendar", *JobPolicy.SETTINGS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in JOB_DURATIONS:
            if name in self.fields:
                old = self.fields[name]
                self.fields[name] = DurationTextField(label=old.label, help_text=old.help_text)


class JobPolicyInline(admin.StackedInline):
    model = JobPolicy
    form = JobPolicyForm
    extra = 0
    max_num = 1


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_default", "first_response_met_by", "what_if_link")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SLATargetInline, JobPolicyInline]

    @admin.display(description=_("What-if"))
    def what_if_link(self, obj):
        return format_html(
            '<a href="{}?plan={}">{}</a>', reverse("admin:sla_what_if"), obj.pk, gettext("Preview due times")
        )

    def get_urls(self):
        return [
            path("what-if/", self.admin_site.admin_view(self.what_if_view), name="sla_what_if"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "what_if_url": reverse("admin:sla_what_if")}
        return super().changelist_view(request, extra_context)

    def what_if_view(self, request):
        """Both due times and the explanation for one ticket shape (plan, priority, received at)."""
        bound = "received_at" in request.GET  # the plans list links here with ?plan=<id> only
        form = WhatIfForm(request.GET if bound else None, initial={"plan": request.GET.get("plan")})
        result = None
        if bound and form.is_valid():
            data = form.cleaned_data
            try:
                result = sla_explain(plan=data["plan"], priority=data["priority"], start=data["received_at"])
            except ValueError as exc:  # e.g. a calendar without opening hours
                form.add_error(None, gettext("Cannot compute: %(error)s") % {"error": exc})
        if result is not None:
            zone = ZoneInfo(result["calendar"].timezone) if result.get("calendar") else UTC
            result["rows"] = [
                (label, result[key], result[key].astimezone(zone) if result[key] else None)
                for label, key in (
                    (gettext("First response"), "first_response_due_at"),
                    (gettext("Resolution"), "resolution_due_at"),
                )
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("SLA what-if"),
            "opts": self.model._meta,
            "form": form,
            "result": result,
        }
        return render(request, "admin/sla/what_if.html", context)


class WhatIfForm(forms.Form):
    plan = forms.ModelChoiceField(SupportPlan.objects.all(), label=_("Plan"))
    priority = forms.ModelChoiceField(PriorityLevel.objects.order_by("rank"), label=_("Priority"))
    received_at = forms.CharField(
        label=_("Received at"),
        help_text=_("ISO 8601, e.g. 2026-03-06T16:45:00+00:00 (without an offset: the time zone below)."),
        widget=forms.TextInput(attrs={"size": 28, "placeholder": "2026-03-06T16:45:00+00:00"}),
    )
    timezone = forms.CharField(
        initial="UTC",
        required=False,
        label=_("Time zone"),
        help_text=_("For a received time without an offset."),
    )

    def clean_timezone(self):
        name = (self.cleaned_data.get("timezone") or "UTC").strip()
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(
                gettext("%(name)s is not an IANA time zone, e.g. Europe/London.") % {"name": repr(name)}
            ) from exc

    def clean(self):
        data = super().clean()
        raw = (data.get("received_at") or "").strip()
        if raw and "timezone" in data:
            try:
                at = datetime.fromisoformat(raw.replace(" ", "T", 1))
            except ValueError:
                self.add_error(
                    "received_at",
                    gettext("%(value)s is not ISO 8601, e.g. 2026-03-06T16:45:00+00:00.")
                    % {"value": repr(raw)},
                )
                return data
            data["received_at"] = at if at.tzinfo else at.replace(tzinfo=data["timezone"])
        return data


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class CalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = ("name", "timezone", "always_open", "country_holidays", "country_subdivision")

    def clean_timezone(self):
        name = self.cleaned_data["timezone"]
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"{name!r} is not an IANA time zone, e.g. Europe/London.") from exc
        return name

    def clean(self):
        data = super().clean()
        country, subdivision = (
            (data.get("country_holidays") or "").upper(),
            data.get("country_subdivision") or "",
        )
        if country:
            import holidays as holidays_lib

            supported = holidays_lib.list_supported_countries()
            if country not in supported:
                self.add_error(
                    "country_holidays", f"{country!r} is not a country code the holidays package knows."
                )
            elif subdivision and subdivision not in supported[country]:
                self.add_error("country_subdivision", f"{subdivision!r} is not a subdivision of {country}.")
            data["country_holidays"] = country
        return data


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    list_display = ("name", "timezone", "always_open", "country_holidays")
    list_filter = ("always_open", "timezone")
    search_fields = ("name",)
    inlines = [BusinessHoursInline, HolidayInline]


@admin.register(SLATarget)
class SLATargetAdmin(admin.ModelAdmin):
    form = SLATargetForm
    list_display = ("plan", "priority", "first_response", "resolution", "calendar")
    list_filter = ("plan", "priority", "calendar")
    list_select_related = ("plan", "priority", "calendar")
    fields = ("plan", "priority", "first_response", "resolution", "calendar")

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = self.fields
        return super().get_form(request, obj, **kwargs)


@admin.register(EscalationContact)
class EscalationContactAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "email", "phone", "active")
    list_filter = ("role", "active")
    search_fields = ("name", "email")


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ("contact", "starts_at", "ends_at")
    list_filter = ("contact",)
    date_hierarchy = "starts_at"


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "event",
        "priority",
        "target",
        "threshold_percent",
        "audience",
        "channel",
        "timing",
        "active",
    )
    list_filter = ("event", "priority", "audience", "timing", "active")


@admin.register(JobPolicy)
class JobPolicyAdmin(admin.ModelAdmin):
    form = JobPolicyForm
    list_display = ("__str__", *JobPolicy.SETTINGS)
