from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Audience, Category


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search the knowledge base"))


class DeflectionForm(forms.Form):
    article = forms.IntegerField(min_value=1)
    q = forms.CharField(required=False, max_length=255)


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}), required=False, label=_("Text (Markdown)")
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False, label=_("Category"))
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.CUSTOMERS, label=_("Audience"))
    note = forms.CharField(max_length=200, required=False, label=_("What changed (for the history)"))
