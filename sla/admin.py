from django.contrib import admin

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


@admin.register(PriorityLevel)
class PriorityLevelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "rank", "colour", "advise_phone", "is_default")
    list_editable = ("rank",)
    ordering = ("rank",)
    search_fields = ("name", "slug", "definition")
    prepopulated_fields = {"slug": ("name",)}


class SLATargetInline(admin.TabularInline):
    """The SLA table as a grid on the plan page: one row per priority."""

    model = SLATarget
    extra = 0
    fields = ("priority", "first_response", "resolution", "calendar")
    ordering = ("priority__rank",)


class JobPolicyInline(admin.StackedInline):
    model = JobPolicy
    extra = 0
    max_num = 1


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_default")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SLATargetInline, JobPolicyInline]


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "always_open", "country_holidays")
    list_filter = ("always_open", "timezone")
    search_fields = ("name",)
    inlines = [BusinessHoursInline, HolidayInline]


@admin.register(SLATarget)
class SLATargetAdmin(admin.ModelAdmin):
    list_display = ("plan", "priority", "first_response", "resolution", "calendar")
    list_filter = ("plan", "priority", "calendar")
    list_select_related = ("plan", "priority", "calendar")


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
    list_display = ("__str__", "event", "priority", "target", "threshold_percent", "audience", "channel", "timing", "active")
    list_filter = ("event", "priority", "audience", "timing", "active")


@admin.register(JobPolicy)
class JobPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "assignment_deadline", "stale_after", "customer_reminder_every", "customer_reminder_max",
                    "waiting_close_after", "resolved_close_after")
