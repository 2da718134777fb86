"""The product's URLs plus the floor: a trivial view through the same middleware stack."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """Nothing but the stack: sessions, auth (one user lookup when signed in), CSRF, security headers."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor/", floor),
    path("", include("helpdesk.urls")),
]
