"""The abuse decision (team leads): bar an organization from the top priority, or lift the bar."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organization

from ...services import TicketError
from ...services.abuse import (
    abuse_downgrades,
    organization_bar_top_priority,
    organization_lift_top_priority_bar,
)
from .. import forms
from ._common import current_time, lead_required


@lead_required
def organization_abuse(request, pk: int):
    organization = get_object_or_404(Organization.objects.select_related("plan"), pk=pk)
    form = forms.AbuseForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "lift":
                organization_lift_top_priority_bar(
                    organization=organization, by=request.user, now=current_time()
                )
                messages.success(
                    request, _("%(name)s may file the top priority again.") % {"name": organization.name}
                )
                return redirect("desk:organization_abuse", pk=pk)
            if form.is_valid():
                decision = organization_bar_top_priority(
                    organization=organization,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    now=current_time(),
                )
                count = len(decision.downgraded)
                messages.success(
                    request,
                    ngettext(
                        "%(name)s is barred from the top priority; %(count)d ticket downgraded one level.",
                        "%(name)s is barred from the top priority; %(count)d tickets downgraded one level.",
                        count,
                    )
                    % {"name": organization.name, "count": count},
                )
                return redirect("desk:organization_abuse", pk=pk)
        except TicketError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "tickets/desk/organization_abuse.html",
        {"organization": organization, "form": form, "affected": abuse_downgrades(organization)},
    )
