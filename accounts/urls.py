from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.verify_resend, name="verify_resend"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-keys/revoke/", views.token_revoke, name="token_revoke"),
    path("login/link/", views.login_link_request, name="login_link"),
    path("login/two-factor/", views.two_factor_signin, name="two_factor_signin"),
    path("profile/two-factor/", views.two_factor_manage, name="two_factor"),
    path("login/link/<str:token>/", views.login_link_use, name="login_link_use"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
