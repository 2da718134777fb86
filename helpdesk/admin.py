"""Admin pages that join two apps: the project wires them, so no app imports a sibling for the admin.

``accounts`` is a base app and ``notifications`` imports no app of ours; showing a person's mail
suppression on the user page needs both, so it lives here (``helpdesk`` may import every app). Django's
admin autodiscovery imports this module after ``accounts.admin`` (``helpdesk`` is listed last in
``INSTALLED_APPS``); the explicit import below makes the order hold regardless.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from notifications.models import Suppression
from privacy.admin import erase_personal_data, export_personal_data

admin.site.unregister(User)
# Two-factor devices change only through accounts.two_factor (which keeps User.two_factor_enabled):
# admins reset a person's with the user page's action, not by editing devices.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    """The accounts user page, plus whether bounces or complaints (anymail tracking webhooks) stop our
    mail to this person."""

    list_display = (*AccountsUserAdmin.list_display, "email_suppressed")
    fieldsets = (*AccountsUserAdmin.fieldsets, ("Email delivery", {"fields": ("email_suppression",)}))
    readonly_fields = (*AccountsUserAdmin.readonly_fields, "email_suppression")
    # Privacy requests (privacy.services): the services refuse anyone but an admin.
    actions = [*(AccountsUserAdmin.actions or ()), export_personal_data, erase_personal_data]

    def get_queryset(self, request):
        suppressed = Suppression.objects.filter(email__iexact=OuterRef("email"))
        return super().get_queryset(request).annotate(is_suppressed=Exists(suppressed))

    @admin.display(description=_("Mail suppressed"), boolean=True, ordering="is_suppressed")
    def email_suppressed(self, obj) -> bool:
        return obj.is_suppressed

    @admin.display(description=_("Suppression"))
    def email_suppression(self, obj) -> str:
        row = Suppression.objects.filter(email__iexact=obj.email).first() if obj and obj.pk else None
        if row is None:
            return "Not suppressed: we mail this address."
        return f"{row.get_reason_display()} since {row.created_at:%Y-%m-%d %H:%M} UTC. {row.detail}".strip()
