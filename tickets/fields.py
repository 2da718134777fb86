"""Form fields shared by the portal and the desk."""

import re
import uuid

from django import forms

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


class LimitedTextField(forms.CharField):
    """Long text with a known limit: the page says the limit and counts (``static/js/forms.js``), and the
    server refuses an over-long text with the numbers. No ``maxlength`` attribute: a browser would cut a
    pasted text at the limit without a word, and the cut-off part would be lost."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        help_text = kwargs.pop("help_text", "")
        kwargs["help_text"] = f"{help_text} Up to {max_length:,} characters.".strip()
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "max_length",
            "This is %(show_value)s characters; the limit is %(limit_value)s. Shorten it, or attach long logs as a file.",
        )
        super().__init__(max_length=max_length, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs["data-maxlength"] = str(self.max_length)
        return attrs
