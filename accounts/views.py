"""Sign-up, verification, profile and invitations. Thin views: writes go through accounts.services."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import services, throttle
from .forms import InvitationAcceptForm, InvitationForm, ProfileForm, SignupForm

NO_MATCH = (
    "We could not match that customer number with that email address. Check both, use your address on "
    "your organization's email domain, or ask a colleague who administers your account for an invitation."
)


def signup(request):
    if request.user.is_authenticated:
        return redirect("/")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = services.organization_for_signup(customer_number=data["customer_number"], email=data["email"])
        if org is None:
            form.add_error(None, NO_MATCH)
        else:
            try:
                services.customer_signup(
                    email=data["email"],
                    full_name=data["full_name"],
                    password=data["password1"],
                    organization=org,
                    now=timezone.now(),
                )
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
    messages.success(request, f"Thank you, {user.email} is verified.")
    return redirect("/" if request.user.is_authenticated else "login")


@require_POST
@login_required
def verify_resend(request):
    user = request.user
    last = request.session.get("verify_sent_at", 0)
    now = timezone.now()
    if user.email_verified_at:
        messages.info(request, "Your email address is already verified.")
    elif now.timestamp() - last < 60:
        messages.info(
            request, "We sent a link less than a minute ago; please check your inbox and spam folder."
        )
    else:
        services.verification_send(user=user)
        request.session["verify_sent_at"] = now.timestamp()
        messages.success(request, f"We sent a new verification link to {user.email}.")
    nxt = request.POST.get("next")
    return redirect(nxt if _safe(nxt) else "/")


def _safe(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
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
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
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
        messages.info(request, "You are already signed in.")
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
                request, f"Welcome to {invitation.organization.name}'s support portal. Please sign in."
            )
            return redirect("login")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- Throttled sign-in and password reset ----------------------------------------------------------
LOGIN_THROTTLED = (
    "Too many sign-in attempts. Please wait {minutes} minutes and try again, or reset your password."
)
RESET_THROTTLED = "Too many password reset requests. Please wait {minutes} minutes and try again."


class ThrottledAuthenticationForm(auth_views.AuthenticationForm):
    """Refuses before checking the password once the address or the IP has failed too often, so a
    correct guess after the limit gets the same refusal as a wrong one."""

    def clean(self):
        account = self.data.get("username", "") or ""
        ip = throttle.client_ip(self.request)
        if throttle.is_blocked(throttle.LOGIN, account=account, ip=ip):
            raise ValidationError(
                LOGIN_THROTTLED.format(minutes=throttle.minutes(throttle.LOGIN)), code="throttled"
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.hit(throttle.LOGIN, account=account, ip=ip)
            raise
        throttle.reset_account(throttle.LOGIN, account=account)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        throttled = [e for e in form.non_field_errors().as_data() if e.code == "throttled"]
        if throttled:
            context = self.get_context_data(form=form, throttled=throttled[0].messages[0])
            return self.render_to_response(context, status=429)
        return super().form_invalid(form)


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
