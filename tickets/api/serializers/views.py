"""Saved queue views over the API: what a view holds, and what a caller may send to make or change one.
The checks of what a view may hold and who may change it are the services' (``tickets.services``)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Team

from ...desk.queue import SORTS, saved_query_clean
from ...models import SavedView
from ...policy import TicketError, may_edit_saved_view


class SavedViewSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", read_only=True, help_text="Who saved it.")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="The team it is shared with (one of yours); null: only its owner sees it.",
    )
    query = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text="The desk queue's query string, e.g. `view=unassigned&tag=billing&priority=urgent` "
        "(keys: view, status, priority, organization, customer, plan, breaching, tag, q, sort). Stored "
        "as the queue's filter form reads it back; anything it would not take is a 400.",
    )
    sort = serializers.ChoiceField(choices=list(SORTS.items()), required=False)
    editable = serializers.SerializerMethodField(
        help_text="May the caller rename, re-filter, share or delete it?"
    )

    class Meta:
        model = SavedView
        fields = ["id", "name", "owner", "team", "query", "sort", "position", "editable"]
        read_only_fields = ["id", "owner", "position", "editable"]

    def get_editable(self, view: SavedView) -> bool:
        return may_edit_saved_view(self.context["request"].user, view)

    def validate_query(self, value: str) -> str:
        try:
            saved_query_clean(value)  # a clear 400 before the service (which checks again) is called
        except TicketError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class SavedViewMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
