from django import template

from ..models import SsoProvider

register = template.Library()


@register.inclusion_tag("sso/_buttons.html", takes_context=True)
def sso_buttons(context):
    """The "Sign in with <provider>" choices for the sign-in page (one query)."""
    providers = list(SsoProvider.objects.enabled().only("name", "slug", "organization_id"))
    return {
        "staff_providers": [p for p in providers if p.for_staff],
        "customer_sso": any(not p.for_staff for p in providers),
        "next": context.get("next", ""),
    }
