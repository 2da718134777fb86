from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.utils.translation import gettext_lazy as _

from .locale import zone_choices
from .models import User


class PortalForm(forms.Form):
    """Labels without Django's trailing colon, as the rest of the portal writes them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _PasswordPair(PortalForm):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def _email_for_validation(self) -> str:
        return self.cleaned_data.get("email", "")

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                validate_password(
                    p1, user=User(email=self._email_for_validation(), full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignupForm(_PasswordPair):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Work email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Use your address on your organization's email domain."),
    )
    customer_number = forms.CharField(
        label=_("Customer number"),
        max_length=32,
        help_text=_("Your organization's customer number, as on your contract or invoices."),
    )
    field_order = ["full_name", "email", "customer_number", "password1", "password2"]


class InvitationAcceptForm(_PasswordPair):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args, email: str = "", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def _email_for_validation(self) -> str:
        return self.email


class LanguagesField(forms.MultipleChoiceField):
    """The languages a member of staff answers in, as boxes to tick (``User.languages``)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", settings.LANGUAGES)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class ProfileForm(PortalForm):
    full_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        help_text=_("So a technician can call you back about urgent tickets."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("For these pages and the mail we send you."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every time we show you, on these pages and in mail."),
    )

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser says")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = [("", _("As my browser says")), *zone_choices()]
        if staff:  # auto-assignment matches customers to staff who speak their language
            self.fields["languages"] = LanguagesField(
                label=_("Languages you answer tickets in"),
                help_text=_("Teams that match the customer's language hand you tickets in these."),
            )


class InvitationForm(PortalForm):
    email = forms.EmailField(
        label=_("Colleague's email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )


class LoginLinkForm(PortalForm):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class TwoFactorCodeForm(PortalForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )
