"""Tickets filed by mail stored three of the voice-platform template's answers under names of their own;
rename them to the default request form's names, which mail and the portal now share."""

from django.db import migrations

RENAMES = {"numbers_initiated": "numbers_calling", "intermittent_or_consistent": "pattern", "how_often": "frequency"}


def rename(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    changed = []
    for ticket in Ticket.objects.filter(channel="email").exclude(request_fields={}).only("pk", "request_fields").iterator():
        fields = ticket.request_fields or {}
        if any(old in fields for old in RENAMES):
            ticket.request_fields = {RENAMES.get(k, k): v for k, v in fields.items()}
            changed.append(ticket)
        if len(changed) >= 1000:
            Ticket.objects.bulk_update(changed, ["request_fields"])
            changed = []
    if changed:
        Ticket.objects.bulk_update(changed, ["request_fields"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_merge_20261122_2336")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
