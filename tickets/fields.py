"""Form fields shared by the portal and the desk."""

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
