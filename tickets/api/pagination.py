"""Cursor pagination: stable under inserts, no COUNT(*), no deep OFFSET scans.

Every list answers one page shape (``PAGE_SCHEMA``): ``next``/``previous`` as full URLs, and the bare
``next_cursor``/``previous_cursor`` a generated client passes back as the ``cursor`` parameter, so
nobody has to parse a URL. ``page_size`` above the documented maximum is a 400, not a silent cap.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..selectors import QueueCursor, queue_after

MAX_PAGE_SIZE = 200

_LINK = {"type": ["string", "null"], "format": "uri"}
_CURSOR = {"type": ["string", "null"]}


def page_schema(results: dict) -> dict:
    # One shape for every list (the queue's and the ticket list share a component name).
    after = " The queue pages forward only: always null there."
    return {
        "type": "object",
        "required": ["next", "previous", "next_cursor", "previous_cursor", "results"],
        "properties": {
            "next": {**_LINK, "description": "The next page's URL; null on the last page."},
            "previous": {**_LINK, "description": "The previous page's URL; null on the first page." + after},
            "next_cursor": {
                **_CURSOR,
                "description": "Pass as `cursor` to get the next page; null on the last page.",
            },
            "previous_cursor": {
                **_CURSOR,
                "description": "Pass as `cursor` to get the previous page; null on the first page." + after,
            },
            "results": results,
        },
    }


def _cursor_of(link: str | None, name: str) -> str | None:
    if link is None:
        return None
    return parse_qs(urlsplit(link).query).get(name, [None])[0]


def page_size_of(request, *, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ValidationError({name: [_("A whole number from 1 to %(max)d.") % {"max": maximum}]})
    return int(raw)


def page_parameters(*, cursor: str, size: str, default: int, maximum: int) -> list[dict]:
    return [
        {
            "name": cursor,
            "required": False,
            "in": "query",
            "description": "A page's `next_cursor` or `previous_cursor`; omit for the first page.",
            "schema": {"type": "string"},
        },
        {
            "name": size,
            "required": False,
            "in": "query",
            "description": f"Rows per page: 1 to {maximum} (larger is a 400), default {default}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        },
    ]


class _PageSchema:
    """The page envelope and the cursor/page-size parameters, as the OpenAPI document describes both
    paginations (they answer the same envelope)."""

    cursor_query_param: str
    page_size_query_param: str
    page_size: int
    max_page_size: int

    def get_paginated_response_schema(self, schema):
        return page_schema(schema)

    def get_schema_operation_parameters(self, view):
        return page_parameters(
            cursor=self.cursor_query_param,
            size=self.page_size_query_param,
            default=self.page_size,
            maximum=self.max_page_size,
        )


class _Cursor(_PageSchema, CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return page_size_of(
            request, name=self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            # A cursor is input: a bad one is the caller's mistake (400), not a missing page.
            raise ValidationError({"cursor": [_("Invalid cursor.")]}) from None

    def get_paginated_response(self, data):
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "next": next_link,
                "previous": previous_link,
                "next_cursor": _cursor_of(next_link, self.cursor_query_param),
                "previous_cursor": _cursor_of(previous_link, self.cursor_query_param),
                "results": data,
            }
        )


class TicketPagination(_Cursor):
    """Newest tickets first; ``id`` is unique and never changes, so pages never skip or repeat."""

    ordering = "-id"


class ThreadPagination(_Cursor):
    """Messages, attachments and events in the order they happened."""

    ordering = ("created_at", "id")
    page_size = 100


class QueuePagination(_PageSchema, BasePagination):
    """Keyset pagination over the queue's own order (priority rank, arrival, id), served by the
    ``ticket_queue_open`` index: each page costs one indexed range scan, however deep."""

    page_size = 50
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request) -> int:
        return page_size_of(
            request, name=self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )

    @staticmethod
    def encode(ticket) -> str:
        raw = json.dumps([ticket.priority_rank, ticket.received_at.isoformat(), ticket.pk])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(value: str) -> QueueCursor:
        try:
            rank, received, pk = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            cursor = QueueCursor(
                priority_rank=int(rank), received_at=datetime.fromisoformat(received), id=int(pk)
            )
            if cursor.received_at.tzinfo is None:
                raise ValueError("naive")
            return cursor
        except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError):
            raise ValidationError({"cursor": [_("Invalid cursor.")]}) from None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        cursor = self.decode(raw) if raw else None
        rows = list(queue_after(queryset, cursor)[: size + 1])
        self.next_cursor = self.encode(rows[size - 1]) if len(rows) > size else None
        return rows[:size]

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": None,
                "next_cursor": self.next_cursor,
                "previous_cursor": None,
                "results": data,
            }
        )
