from django.utils.functional import SimpleLazyObject

from .selectors import mailboxes_failing


def failing_mailboxes(request):
    """Failing mailboxes for the admins' banner; queried only when the banner is drawn (admins only)."""
    return {"failing_mailboxes": SimpleLazyObject(mailboxes_failing)}
