"""Privacy requests: export a person's data, erase a person, apply the retention policy.

Each is audited (``privacy.models.PrivacyRequest``: what, about whom, who asked, through which door) and
checks who may ask itself (``check_may_request``), so the admin action, the management command, the
portal's "download my data" and the timed job cannot differ.
"""

from ._common import PrivacyError, TooSoon, check_may_request, is_privacy_admin
from .erase import address_erase, erased_address, is_erased, person_erase
from .export import privacy_export
from .retention import retained_requester, retention_apply, retention_cutoff

__all__ = [
    "PrivacyError",
    "TooSoon",
    "address_erase",
    "check_may_request",
    "erased_address",
    "is_erased",
    "is_privacy_admin",
    "person_erase",
    "privacy_export",
    "retained_requester",
    "retention_apply",
    "retention_cutoff",
]
