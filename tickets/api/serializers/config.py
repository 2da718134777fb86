"""Configuration (priority levels, support plans with their targets, organizations) and the API's index."""

from __future__ import annotations

from datetime import timedelta

from rest_framework import serializers

from accounts.models import Organization
from sla.models import RANK_MAX, RANK_MIN, PriorityLevel, SLATarget, SupportPlan

# --- configuration -------------------------------------------------------------------------------


# A configuration row's slug is unique, and at most one row is the default, for ``Meta.model``; each
# serializer words the refusals (``slug_taken``, ``default_taken``). A comment, not a docstring: the
# schema would show a docstring as every inheriting serializer's description.
class UniqueSlugOneDefaultMixin:
    slug_taken: str
    default_taken: str

    def _others(self):
        return self.Meta.model.objects.exclude(pk=getattr(self.instance, "pk", None))

    def validate_slug(self, value):
        if self._others().filter(slug=value).exists():
            raise serializers.ValidationError(self.slug_taken)
        return value

    def validate_is_default(self, value):
        if value and self._others().filter(is_default=True).exists():
            raise serializers.ValidationError(self.default_taken)
        return value


class PrioritySerializer(UniqueSlugOneDefaultMixin, serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=60)
    rank = serializers.IntegerField(min_value=RANK_MIN, max_value=RANK_MAX)
    definition = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    examples = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=50, required=False
    )
    colour = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$", required=False, help_text="Hex colour, e.g. #dc2626."
    )

    class Meta:
        model = PriorityLevel
        fields = ["slug", "name", "rank", "definition", "examples", "colour", "advise_phone", "is_default"]

    slug_taken = "A priority level with this slug exists."
    default_taken = "Another level is the default; unset it there first."


class TargetSerializer(serializers.ModelSerializer):
    priority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    calendar = serializers.SlugRelatedField(slug_field="name", read_only=True)
    first_response_seconds = serializers.SerializerMethodField()
    resolution_seconds = serializers.SerializerMethodField()

    class Meta:
        model = SLATarget
        fields = ["priority", "first_response_seconds", "resolution_seconds", "calendar"]

    @staticmethod
    def _seconds(value: timedelta | None) -> int | None:
        return None if value is None else int(value.total_seconds())

    def get_first_response_seconds(self, target) -> int | None:
        return self._seconds(target.first_response)

    def get_resolution_seconds(self, target) -> int | None:
        return self._seconds(target.resolution)


class PlanSerializer(UniqueSlugOneDefaultMixin, serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = SupportPlan
        fields = ["slug", "name", "description", "is_default", "time_tracking", "targets"]

    slug_taken = "A plan with this slug exists."
    default_taken = "Another plan is the default; unset it there first."


class OrganizationSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "customer_number",
            "name",
            "plan",
            "email_domains",
            "may_file_top_priority",
            "shares_tickets",
            "phone",
            "created_at",
        ]
        read_only_fields = fields


# --- index ---------------------------------------------------------------------------------------


class ApiRootSerializer(serializers.Serializer):
    schema = serializers.URLField(read_only=True, help_text="This API's OpenAPI document.")
    docs = serializers.URLField(read_only=True, help_text="The interactive documentation.")
    token = serializers.URLField(read_only=True, help_text="POST an email and password for a token.")
    tickets = serializers.URLField(read_only=True)
    queue = serializers.URLField(read_only=True, help_text="Staff: the technician queue.")
    priorities = serializers.URLField(read_only=True)
    plans = serializers.URLField(read_only=True)
    organizations = serializers.URLField(read_only=True, help_text="Staff only.")
