from datetime import timedelta

from django import template
from django.utils import timezone

from ..selectors import kb_figures

register = template.Library()


@register.simple_tag
def kb_dashboard_figures(days: int = 30):
    """The knowledge base's figures for the desk dashboard (``kb/_figures.html``)."""
    return kb_figures(since=timezone.now() - timedelta(days=days))
