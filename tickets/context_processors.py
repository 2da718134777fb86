from django.utils.functional import SimpleLazyObject

from .selectors import open_incidents


def incidents(request):
    """Open major incidents for the banner on every page; queried only when a template uses them."""
    return {"open_incidents": SimpleLazyObject(lambda: list(open_incidents()))}
