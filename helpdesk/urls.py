from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from notifications.checks import anymail_urls

from .audit_views import audit_export_page
from .devmail import dev_mail
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The scripts' words (locale/<lang>/LC_MESSAGES/djangojs.po) in the reader's language; base.html loads
    # it as a same-origin script, which the Content-Security-Policy allows without a nonce.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["helpdesk"]), name="javascript-catalog"),
    # Pages without a <link rel="icon"> (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("admin/", admin.site.urls),
    path("dev/mail/", dev_mail, name="dev_mail"),  # DEBUG and staff only: the mail kept in var/mail/
    path("anymail/", include(anymail_urls())),  # inbound + tracking webhooks (basic-auth WEBHOOK_SECRET)
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),  # throttled
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/sso/", include("sso.urls")),  # OpenID Connect sign-in (sso/)
    path("accounts/", include("accounts.urls")),
    path("privacy/", include("privacy.urls")),  # the portal's "download my data"
    path("desk/audit/", audit_export_page, name="audit_export"),  # helpdesk admins: events + admin log
    path("desk/", include("tickets.desk.urls")),
    path("desk/", include("automation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), so the page needs no
    # inline script under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/kb/", include("kb.api.urls")),  # knowledge base (before the API's catch-all 404)
    path("api/", include("tickets.api.urls")),
    path("kb/", include("kb.urls")),  # knowledge base: portal pages, suggestions, the desk's editor
    path("", include("tickets.portal.urls")),
]
