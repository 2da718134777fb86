from django import template

from ..selectors import macros_for

register = template.Library()


@register.simple_tag
def macros_available(user):
    """The macros this technician may apply (for the ticket page's picker)."""
    return list(macros_for(user).only("pk", "name"))
