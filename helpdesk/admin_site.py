"""The admin's site: Django's, except that it asks for the second factor like every other door.

``AdminConfig`` replaces ``django.contrib.admin`` in ``INSTALLED_APPS`` (Django's documented way to
swap the default site), so ``admin.site`` everywhere is this site. Its sign-in form checks the password
through the same throttled backend as the portal's, then hands over to the same second step.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


class AdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        # Imported here: this module is loaded with INSTALLED_APPS, before any model may be imported.
        from accounts import two_factor

        return super().has_permission(request) and two_factor.session_satisfied(request)

    def login(self, request, extra_context=None):
        from accounts import two_factor

        response = super().login(request, extra_context)
        if request.method == "POST" and not two_factor.session_satisfied(request):
            # The password was right; the session it opened never reaches the browser: it becomes a
            # sign-in waiting for the second factor, as on the portal's sign-in page.
            target = request.GET.get("next") or request.POST.get("next") or reverse("admin:index")
            two_factor.pending_from_session(request, now=timezone.now(), next_url=target)
            return redirect("accounts:two_factor_signin")
        return response


class AdminConfig(DjangoAdminConfig):
    default_site = "helpdesk.admin_site.AdminSite"
