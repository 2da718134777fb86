"""Words the desk writes itself kept as message ids and values too (issue 22): a ticket's close reason,
so the portal says why a ticket closed in its reader's language, and the notes the mail intake and the
auto-close write on a ticket, for staff. Adding a column with a constant default
rewrites no row on PostgreSQL 11+ (the default lives in the catalogue); existing rows read ``{}`` and show
their English text as before."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0019_dashboard_week_cells"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="close_reason_kept",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="message",
            name="body_kept",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
