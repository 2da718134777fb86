"""``DashboardWeek`` becomes the whole week's cells per plan and priority (counts, kept running dues and
histograms), not only its histograms per priority, plus a running total of the histograms per week and
priority (the rows without a plan).

The roll-up is derived data: the new table starts empty and every day is forgotten as rolled up, so the
job's next run (or ``manage.py dashboard_backfill``) rolls every day up again and sums its week; until a
day is rolled up again the dashboard computes it live (exact, only slower). The same on the way back."""

import django.db.models.deletion
from django.db import migrations, models


def forget_rolled_days(apps, schema_editor):
    apps.get_model("tickets", "DashboardRolledDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_plan_time_tracking"),
        ("tickets", "0018_inbound_notes"),
    ]

    operations = [
        migrations.RunPython(forget_rolled_days, forget_rolled_days),
        migrations.DeleteModel(name="DashboardWeek"),
        migrations.CreateModel(
            name="DashboardWeek",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField()),
                ("tickets", models.PositiveIntegerField(default=0)),
                ("fr_with_target", models.PositiveIntegerField(default=0)),
                ("fr_met", models.PositiveIntegerField(default=0)),
                ("fr_breached", models.PositiveIntegerField(default=0)),
                ("res_with_target", models.PositiveIntegerField(default=0)),
                ("res_met", models.PositiveIntegerField(default=0)),
                ("res_breached", models.PositiveIntegerField(default=0)),
                ("dues", models.JSONField(default=dict)),
                ("hist", models.JSONField(default=dict)),
                (
                    "plan",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sla.supportplan",
                    ),
                ),
                (
                    "priority",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sla.prioritylevel"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("plan__isnull", False)),
                        fields=("week", "plan", "priority"),
                        name="dashboard_week_cell",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("plan__isnull", True)),
                        fields=("week", "priority"),
                        name="dashboard_week_total",
                    ),
                ],
            },
        ),
    ]
