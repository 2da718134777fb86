"""Words the desk stored for later readers (``tickets.reasons``), said in the reader's language."""

from django import template

from ..reasons import message_body

register = template.Library()


@register.filter
def body_words(message) -> str:
    """``{{ m|body_words|linebreaks }}``: a message the desk wrote itself (an intake note, the auto-close
    note) in the reader's language; a person's message as written."""
    return message_body(message)
