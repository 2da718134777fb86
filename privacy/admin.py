"""The privacy audit (read-only) and the two actions on users, wired into the user admin by
``helpdesk/admin.py``. Both actions call the services, which check that the admin may (a technician with
admin access is refused there, not only here)."""

from __future__ import annotations

import tempfile

from django.contrib import admin, messages
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import PrivacyRequest
from .services import PrivacyError, is_privacy_admin, person_erase, privacy_export


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "subject_ref", "requested_by", "note")
    list_filter = ("kind", "channel")
    list_select_related = ("requested_by",)
    search_fields = ("subject_ref", "note")
    readonly_fields = [f.name for f in PrivacyRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit is not edited, through the admin or otherwise


@admin.action(description=_("Export personal data (zip)"))
def export_personal_data(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one person to export.", messages.WARNING)
        return None
    person = queryset.get()
    spool = tempfile.TemporaryFile()  # a large archive goes to disk, not memory
    try:
        privacy_export(
            person=person,
            by=request.user,
            now=timezone.now(),
            channel=PrivacyRequest.Channel.ADMIN,
            out=spool,
        )
    except PrivacyError as exc:
        spool.close()
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return None
    # Also in the admin's own history, which the audit export reads; the privacy audit has the details.
    modeladmin.log_change(request, person, "Exported personal data (privacy request).")
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"personal-data-{person.pk}.zip", content_type="application/zip"
    )


@admin.action(description=_("Erase personal data (cannot be undone)"))
def erase_personal_data(modeladmin, request, queryset):
    if not is_privacy_admin(request.user):
        modeladmin.message_user(request, "Only an administrator can do this.", messages.ERROR)
        return None
    people = list(queryset)
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(
            request,
            "privacy/admin_erase_confirm.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": gettext("Erase personal data?"),
                "people": people,
                "opts": modeladmin.model._meta,
                "action": "erase_personal_data",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
    note = request.POST.get("note", "")
    done, refused = 0, []
    for person in people:
        try:
            person_erase(
                person=person,
                by=request.user,
                now=timezone.now(),
                channel=PrivacyRequest.Channel.ADMIN,
                note=note,
            )
            done += 1
        except PrivacyError as exc:
            refused.append(f"#{person.pk}: {exc}")
    if done:
        modeladmin.message_user(
            request, f"Erased {done} account{'s' if done != 1 else ''}.", messages.SUCCESS
        )
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)
    return None
