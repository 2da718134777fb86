from django.urls import path

from . import views

app_name = "sso"
urlpatterns = [
    path("", views.sso_choose, name="choose"),
    path("callback/", views.SsoCallbackView.as_view(), name="callback"),
    path("<slug:slug>/start/", views.SsoStartView.as_view(), name="start"),
]
