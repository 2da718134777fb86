from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor/", floor),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("helpdesk/", include("helpdesk.urls")),
]
