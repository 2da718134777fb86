"""Form fields shared by the portal and the desk."""

import re
import uuid

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .services.attachments import validate_uploads


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; cleans to a list of (file, sniffed content type)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            return []
        for upload in files:
            super().clean(upload, initial)
        return validate_uploads(files)

    def bound_data(self, data, initial):
        return initial

    def has_changed(self, initial, data):
        return bool(data)


def filing_token_field() -> forms.CharField:
    """A one-time token per new-ticket form: submitting the same form twice (a double click, or Back
    then Submit) files one ticket (``tickets.services.filing``). Made when the form is shown, kept through
    corrections; ``static/js/forms.js`` puts it back when the browser re-fetches the form on Back."""
    return forms.CharField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4().hex)


def filing_key(cleaned_data: dict) -> str:
    """The form's token as a filing key ("" when the form came without one, e.g. an old tab)."""
    token = re.sub(r"[^A-Za-z0-9-]", "", cleaned_data.get("filing_token") or "")[:64]
    return f"form:{token}" if token else ""


def _limit_help_text(help_text, max_length: int) -> str:
    limit = number_format(max_length, force_grouping=True)
    limit_words = gettext("Up to %(limit)s characters.") % {"limit": limit}
    return f"{help_text} {limit_words}".strip()


# Worded when the form is shown, in the reader's language (fields are built once, at import).
_limit_help = lazy(_limit_help_text, str)


class LimitedTextField(forms.CharField):
    """Long text with a known limit: the page says the limit and counts (``static/js/forms.js``), and the
    server refuses an over-long text with the numbers. No ``maxlength`` attribute: a browser would cut a
    pasted text at the limit without a word, and the cut-off part would be lost."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        help_text = kwargs.pop("help_text", "")
        kwargs["help_text"] = _limit_help(help_text, max_length)
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "max_length",
            _(
                "This is %(show_value)s characters; the limit is %(limit_value)s. Shorten it, or attach long "
                "logs as a file."
            ),
        )
        super().__init__(max_length=max_length, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs["data-maxlength"] = str(self.max_length)
        # The live counter's words (static/js/forms.js fills in the numbers), in the reader's language.
        attrs["data-text-counter"] = _("{n} / {limit} characters")
        attrs["data-text-over"] = _("{over} over the limit: shorten it or attach it as a file")
        return attrs
