"""Time logged on tickets over the API (team leads): totals per organization, technician or ticket."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.db import replica_reads

from ...timesheet import GROUPS, Period, time_totals
from ..permissions import IsTeamLead
from ._common import ERRORS, ApiMixin, ok


class TimesheetQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD); default: the 1st of this month."
    )
    date_to = serializers.DateField(required=False, help_text="Last day, included; default: today.")
    group = serializers.ChoiceField(choices=list(GROUPS), default="organization")

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The period ends before it starts.")]})
        return data


class TimeTotalSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Customer number, technician email or ticket id.")
    label = serializers.CharField()
    minutes = serializers.IntegerField()
    entries = serializers.IntegerField()


class TimesheetSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group = serializers.CharField()
    total_minutes = serializers.IntegerField()
    totals = TimeTotalSerializer(many=True)


class TimesheetView(ApiMixin, APIView):
    permission_classes = [IsTeamLead]

    @extend_schema(
        summary="Time logged on tickets",
        description="Team leads and admins. Minutes technicians logged on replies and notes, per "
        "organization, technician or ticket, over whole days in the desk's time zone.",
        operation_id="time_totals",
        parameters=[TimesheetQuerySerializer],
        responses={200: ok(TimesheetSerializer, "The totals, most minutes first."), 400: ERRORS[400]},
    )
    def get(self, request):
        query = TimesheetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default = Period.month_of(self.now())
        first: date = query.validated_data.get("date_from") or default.first
        last: date = query.validated_data.get("date_to") or max(default.last, first)
        group = query.validated_data["group"]
        with replica_reads():
            totals = time_totals(Period(first, last), group)
        for row in totals:
            row["key"] = str(row["key"])
        return Response(
            TimesheetSerializer(
                {
                    "date_from": first,
                    "date_to": last,
                    "group": group,
                    "total_minutes": sum(r["minutes"] for r in totals),
                    "totals": totals,
                }
            ).data
        )
