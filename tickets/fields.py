"""Form fields shared by the portal and the desk."""

import re
import uuid

from django import forms

from .attachments import validate_uploads


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
    """A one-time token per new-ticket form: submitting the same form twice (Back, then Submit) files
    one ticket (``tickets.filing``). Made when the form is shown, kept through corrections."""
    return forms.CharField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4().hex)


def filing_key(cleaned_data: dict) -> str:
    """The form's token as a filing key ("" when the form came without one, e.g. an old tab)."""
    token = re.sub(r"[^A-Za-z0-9-]", "", cleaned_data.get("filing_token") or "")[:64]
    return f"form:{token}" if token else ""
