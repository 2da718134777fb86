"""Cursor pagination: stable under inserts, no COUNT(*), no deep OFFSET scans."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..selectors import QueueCursor, queue_after


class _Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            # A cursor is input: a bad one is the caller's mistake (400), not a missing page.
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None


class TicketPagination(_Cursor):
    """Newest tickets first; ``id`` is unique and never changes, so pages never skip or repeat."""

    ordering = "-id"


class ThreadPagination(_Cursor):
    """Messages, attachments and events in the order they happened."""

    ordering = ("created_at", "id")
    page_size = 100


class QueuePagination(BasePagination):
    """Keyset pagination over the queue's own order (priority rank, arrival, id), served by the
    ``ticket_queue_open`` index: each page costs one indexed range scan, however deep."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["A whole number is required."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Between 1 and {self.max_page_size}."]})
        return size

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
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None

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
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next` link's cursor; omit for the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (1-{self.max_page_size}, default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
