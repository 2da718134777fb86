from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from notifications.checks import anymail_urls

from .devmail import dev_mail
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("dev/mail/", dev_mail, name="dev_mail"),  # DEBUG and staff only: the mail kept in var/mail/
    path("anymail/", include(anymail_urls())),  # inbound + tracking webhooks (basic-auth WEBHOOK_SECRET)
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),  # throttled
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/sso/", include("sso.urls")),  # OpenID Connect sign-in (sso/)
    path("accounts/", include("accounts.urls")),
    path("desk/", include("tickets.desk.urls")),
    path("desk/", include("automation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("tickets.api.urls")),
    path("", include("tickets.portal.urls")),
]
