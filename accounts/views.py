"""Sign-up, verification, profile and invitations. Thin views: writes go through accounts.services."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from . import services, throttle, tokens, two_factor
from .backends import signin_throttled
from .forms import (
    InvitationAcceptForm,
    InvitationForm,
    LoginLinkForm,
    ProfileForm,
    SignupForm,
    TwoFactorCodeForm,
)
from .locale import rendering_for
from .models import ApiToken

SIGNUP_THROTTLED = gettext_lazy(
    "Too many sign-up attempts from here. Please wait {minutes} minutes and try again."
)


def signup(request):
    if request.user.is_authenticated:
        return redirect("/")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ip = throttle.client_ip(request)
        # Counted for every address, known or not, and per client: guessing customer numbers or
        # probing addresses runs into the same brake.
        if throttle.is_blocked(throttle.SIGNUP, account=data["email"], ip=ip):
            form.add_error(None, SIGNUP_THROTTLED.format(minutes=throttle.minutes(throttle.SIGNUP)))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        throttle.hit(throttle.SIGNUP, account=data["email"], ip=ip)
        try:
            services.signup_request(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                customer_number=data["customer_number"],
                now=timezone.now(),
            )
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            # The same page whether or not the address already had an account (no enumeration).
            request.session["signup_email"] = data["email"]
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html", {"email": request.session.get("signup_email", "")})


def verify_email(request, token: str):
    try:
        user = services.email_verify(token=token, now=timezone.now())
    except services.AccountError as exc:
        return render(request, "accounts/verify_failed.html", {"error": str(exc)}, status=400)
    messages.success(request, _("Thank you, %(email)s is verified.") % {"email": user.email})
    return redirect("/" if request.user.is_authenticated else "login")


@require_POST
@login_required
def verify_resend(request):
    user = request.user
    last = request.session.get("verify_sent_at", 0)
    now = timezone.now()
    if user.email_verified_at:
        messages.info(request, _("Your email address is already verified."))
    elif now.timestamp() - last < 60:
        messages.info(
            request, _("We sent a link less than a minute ago; please check your inbox and spam folder.")
        )
    else:
        services.verification_send(user=user)
        request.session["verify_sent_at"] = now.timestamp()
        messages.success(request, _("We sent a new verification link to %(email)s.") % {"email": user.email})
    nxt = request.POST.get("next")
    return redirect(nxt if _safe(nxt) else "/")


def _safe(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "phone": user.phone,
            "language": user.language,
            "time_zone": user.time_zone,
            "languages": user.languages,
        },
        staff=user.is_staff,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except services.AccountError as exc:  # e.g. a language ticked twice by a hand-made request
            form.add_error(None, str(exc))
        else:
            # Said in the language just chosen: the next page is already in it.
            with translation.override(user.language or translation.get_language()):
                messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    live = tokens.live_tokens(user=user, now=timezone.now())
    return render(request, "accounts/profile.html", {"form": form, "api_tokens": live})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)


@login_required
def invitations(request):
    user = request.user
    if not user.is_org_admin or user.organization_id is None:
        raise PermissionDenied("Only your organization's admins can invite colleagues.")
    org = user.organization
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organization=org, email=form.cleaned_data["email"], by=user, now=timezone.now()
            )
        except services.AccountError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:invitations")
    return render(
        request,
        "accounts/invitations.html",
        {
            "form": form,
            "organization": org,
            "invitations": org.invitations.select_related("invited_by")[:50],
            "members": org.members.filter(is_active=True).order_by("full_name", "email"),
        },
    )


def invitation_accept(request, token: str):
    if request.user.is_authenticated:
        messages.info(request, _("You are already signed in."))
        return redirect("/")
    try:
        invitation = services.invitation_for_token(token=token)
    except services.AccountError as exc:
        return render(request, "accounts/verify_failed.html", {"error": str(exc)}, status=400)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                now=timezone.now(),
            )
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            messages.success(
                request,
                _("Welcome to %(org)s's support portal. Please sign in.")
                % {"org": invitation.organization.name},
            )
            return redirect("login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- Throttled sign-in and password reset ----------------------------------------------------------
LOGIN_THROTTLED = gettext_lazy(
    "Too many sign-in attempts. Please wait {minutes} minutes and try again, or sign in with a "
    "one-time link by email."
)
LINK_THROTTLED = gettext_lazy("Too many sign-in link requests. Please wait {minutes} minutes and try again.")
RESET_THROTTLED = gettext_lazy(
    "Too many password reset requests. Please wait {minutes} minutes and try again."
)


class ThrottledAuthenticationForm(auth_views.AuthenticationForm):
    """The password is checked, and throttled, by the authentication backend (accounts.backends); this
    form only words a throttle refusal differently from a wrong password."""

    def get_invalid_login_error(self):
        if signin_throttled(self.request):
            return ValidationError(
                LOGIN_THROTTLED.format(minutes=throttle.minutes(throttle.LOGIN)), code="throttled"
            )
        return super().get_invalid_login_error()


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.needs_second_factor(user):
            # The password is right; the session is signed in only after the second step.
            two_factor.pending_start(
                self.request,
                user=user,
                backend=user.backend,
                next_url=self.get_success_url(),
                now=timezone.now(),
            )
            return redirect("accounts:two_factor_signin")
        return super().form_valid(form)

    def form_invalid(self, form):
        throttled = [e for e in form.non_field_errors().as_data() if e.code == "throttled"]
        if throttled:
            context = self.get_context_data(form=form, throttled=throttled[0].messages[0])
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)


def _link_minutes() -> int:
    return int(services.LOGIN_LINK_MAX_AGE.total_seconds() // 60)


def login_link_request(request):
    """Ask for a one-time sign-in link by email: the same answer whether or not the address has an account."""
    if request.user.is_authenticated:
        return redirect("/")
    form = LoginLinkForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    context = {"form": form, "minutes": _link_minutes()}
    if request.method == "POST" and form.is_valid():
        email, ip = form.cleaned_data["email"], throttle.client_ip(request)
        if throttle.is_blocked(throttle.LOGIN_LINK, account=email, ip=ip):
            form.add_error(None, LINK_THROTTLED.format(minutes=throttle.minutes(throttle.LOGIN_LINK)))
            return render(request, "accounts/login_link_request.html", context, status=429)
        throttle.hit(throttle.LOGIN_LINK, account=email, ip=ip)
        services.login_link_send(email=email)
        return render(request, "accounts/login_link_sent.html", context)
    return render(request, "accounts/login_link_request.html", context)


def login_link_use(request, token: str):
    """GET shows a button (mail scanners follow links; they must not spend it); POST signs in."""
    try:
        user = services.login_link_user(token=token)
        if request.method == "POST":
            user = services.login_link_use(token=token, now=timezone.now())
            if two_factor.needs_second_factor(user):  # the link replaces the password, not the code
                two_factor.pending_start(
                    request,
                    user=user,
                    backend="accounts.backends.EmailBackend",
                    next_url="/",
                    now=timezone.now(),
                )
                return redirect("accounts:two_factor_signin")
            auth_login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(request, _("You are signed in as %(email)s.") % {"email": user.email})
            return redirect("/")
    except services.AccountError as exc:
        return render(request, "accounts/verify_failed.html", {"error": str(exc)}, status=400)
    return render(request, "accounts/login_link_use.html", {"email": user.email})


class ThrottledPasswordResetForm(auth_views.PasswordResetForm):
    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email", "")
        ip = throttle.client_ip(self.request)
        # Counted for any address, known or not: the answer is the same either way (no enumeration).
        if throttle.is_blocked(throttle.PASSWORD_RESET, account=email, ip=ip):
            raise ValidationError(
                RESET_THROTTLED.format(minutes=throttle.minutes(throttle.PASSWORD_RESET)), code="throttled"
            )
        throttle.hit(throttle.PASSWORD_RESET, account=email, ip=ip)
        return cleaned

    def send_mail(self, *args, **kwargs):
        context = kwargs.get("context") if "context" in kwargs else args[2]
        with rendering_for(context["user"]):  # the account holder's language, not the requester's
            super().send_mail(*args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "throttled" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the mailed link proves the address, as the verification link does
    (customers created by email intake have no password and get in this way)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.email_mark_verified(user=form.user, now=timezone.now())
        return response


# --- API tokens on the profile page -----------------------------------------------------------------


@require_POST
@login_required
def token_revoke(request):
    """Revoke one of your API keys (``token`` = its id), or all of them (``all``)."""
    now = timezone.now()
    if request.POST.get("all"):
        count = tokens.tokens_revoke_all(user=request.user, now=now)
        messages.success(
            request,
            ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", count) % {"count": count},
        )
    else:
        token = ApiToken.objects.filter(user=request.user, pk=_int(request.POST.get("token"))).first()
        if token is None:
            raise Http404("No such API key.")
        tokens.token_revoke(token=token, by=request.user, now=now)
        messages.success(request, _("API key %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("accounts:profile")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Two-factor sign-in: the second step, and setting it up -------------------------------------------
CODE_THROTTLED = gettext_lazy("Too many wrong codes. Please wait {minutes} minutes and try again.")
WRONG_CODE = gettext_lazy(
    "That code did not match. Type the code your app shows now, or one of your recovery codes."
)


def _enrolment_context(device) -> dict:
    return {"qr_svg": two_factor.qr_svg(device), "secret": two_factor.secret_base32(device)}


def two_factor_signin(request):
    """After the password (or a sign-in link): a code from the app or a recovery code, or, for staff who
    must use one and have none yet, setting up the app right here."""
    now = timezone.now()
    pending = two_factor.pending_user(request, now=now)
    if pending is None:
        messages.info(request, _("Please sign in again."))
        return redirect("login")
    user, next_url = pending
    form = TwoFactorCodeForm(request.POST or None)
    context = {"form": form, "email": user.email, "enrol": not user.two_factor_enabled}
    if context["enrol"]:
        device = two_factor.totp_device_pending(user=user)
        context.update(_enrolment_context(device))
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        if throttle.is_blocked(throttle.LOGIN, account=user.email, ip=ip):
            form.add_error(None, CODE_THROTTLED.format(minutes=throttle.minutes(throttle.LOGIN)))
            return render(request, "accounts/two_factor_signin.html", context, status=429)
        code = form.cleaned_data["code"]
        if context["enrol"]:
            try:
                device, codes = two_factor.totp_enrol_confirm(user=user, code=code, now=now)
            except two_factor.TwoFactorError as exc:
                throttle.hit(throttle.LOGIN, account=user.email, ip=ip)
                form.add_error("code", str(exc))
            else:
                two_factor.pending_finish(request, user=user, device=device)
                return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
        else:
            device = two_factor.verify_code(user=user, code=code)
            if device is None:
                throttle.hit(throttle.LOGIN, account=user.email, ip=ip)
                # django-otp slows a device down after each wrong code (1 s, 2 s, 4 s ...).
                slowed = (
                    " " + _("Wait a few seconds before the next try.")
                    if two_factor.code_throttled(user=user, code=code)
                    else ""
                )
                form.add_error("code", str(WRONG_CODE) + slowed)
            else:
                throttle.reset_pair(throttle.LOGIN, account=user.email, ip=ip)
                two_factor.pending_finish(request, user=user, device=device)
                if two_factor.is_recovery_code(device):
                    left = two_factor.recovery_codes_left(user=user)
                    messages.warning(
                        request,
                        ngettext(
                            "You signed in with a recovery code; %(left)d left. Make new ones on your "
                            "profile if you are running low.",
                            "You signed in with a recovery code; %(left)d left. Make new ones on your "
                            "profile if you are running low.",
                            left,
                        )
                        % {"left": left},
                    )
                return redirect(next_url if _safe(next_url) else "/")
    return render(request, "accounts/two_factor_signin.html", context)


@login_required
def two_factor_manage(request):
    """Set up an authenticator app, make new recovery codes, or turn it off (when not required)."""
    user = request.user
    form = TwoFactorCodeForm(request.POST or None)
    action = request.POST.get("action", "")
    context = {"form": form, "required": two_factor.is_required(user), "enrolling": False}
    if request.method == "POST" and action == "restart":
        two_factor.totp_enrol_restart(user=user)
        return redirect(f"{request.path}?setup=1")
    if request.method == "POST" and action == "codes":
        codes = two_factor.recovery_codes_renew(user=user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": request.path})
    if request.method == "POST" and form.is_valid():
        try:
            if action == "confirm":
                device, codes = two_factor.totp_enrol_confirm(
                    user=user, code=form.cleaned_data["code"], now=timezone.now()
                )
                two_factor.session_verified(request, device)
                return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": request.path})
            if action == "disable":
                two_factor.two_factor_disable(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect(request.path)
        except two_factor.TwoFactorError as exc:
            form.add_error("code", str(exc))
    if not user.two_factor_enabled and (request.GET.get("setup") or action == "confirm"):
        context["enrolling"] = True
        context.update(_enrolment_context(two_factor.totp_device_pending(user=user)))
    if user.two_factor_enabled:
        context["codes_left"] = two_factor.recovery_codes_left(user=user)
    return render(request, "accounts/two_factor.html", context)
