"""Every write to a ticket, one module per action. HTML views, the API, admin actions, email intake and
timed jobs call these.

Each service is keyword-only, takes ``now`` and runs in one transaction; notifications are written to
the outbox in that same transaction and handed to a worker once it commits. The services enforce the
rules of ``tickets.policy`` and raise its ``TicketError`` when one refuses.
"""

from ..policy import TicketError
from ..snapshot import ticket_url
from .abuse import (
    AbuseDecision,
    abuse_downgrades,
    organization_bar_top_priority,
    organization_lift_top_priority_bar,
)
from .assign import ticket_assign
from .attachments import (
    UploadRefused,
    attachment_add,
    attachment_save_bytes,
    attachments_save,
    validate_uploads,
)
from .bulk import BULK_ACTIONS, BULK_MAX, BulkAction, BulkResult, bulk_action_register, tickets_bulk_apply
from .classify import priority_rank_sync, ticket_reclassify
from .create import ticket_create
from .edit import ticket_edit_request
from .escalate import ticket_escalate, ticket_escalation_request
from .filing import Filed, FilingKeyReused, request_fingerprint, ticket_file_once
from .incidents import incident_link_ticket, incident_open, incident_post_update, incident_resolve
from .merge import ticket_merge
from .messages import message_add
from .saved_views import saved_view_change, saved_view_create, saved_view_delete, saved_view_move
from .status import TRANSITIONS, ticket_change_status, ticket_close, ticket_reopen, ticket_resolve
from .surveys import SurveyError, survey_answer, survey_for_token, survey_issue
from .tags import ticket_tags_change, ticket_tags_set

__all__ = [
    "BULK_ACTIONS",
    "BULK_MAX",
    "BulkAction",
    "BulkResult",
    "bulk_action_register",
    "tickets_bulk_apply",
    "TRANSITIONS",
    "AbuseDecision",
    "Filed",
    "FilingKeyReused",
    "SurveyError",
    "TicketError",
    "UploadRefused",
    "abuse_downgrades",
    "attachment_add",
    "attachment_save_bytes",
    "attachments_save",
    "incident_link_ticket",
    "incident_open",
    "incident_post_update",
    "incident_resolve",
    "message_add",
    "saved_view_change",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_move",
    "organization_bar_top_priority",
    "organization_lift_top_priority_bar",
    "priority_rank_sync",
    "request_fingerprint",
    "survey_answer",
    "survey_for_token",
    "survey_issue",
    "ticket_assign",
    "ticket_change_status",
    "ticket_close",
    "ticket_create",
    "ticket_edit_request",
    "ticket_escalate",
    "ticket_escalation_request",
    "ticket_file_once",
    "ticket_merge",
    "ticket_reclassify",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_tags_change",
    "ticket_tags_set",
    "ticket_url",
    "validate_uploads",
]
