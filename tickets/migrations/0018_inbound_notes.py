"""The inbound mail's ``detail`` kept as message ids and values too, so staff read why a mail was held in
their own language. Adding a column with a constant default rewrites no row on PostgreSQL 11+ (the
default lives in the catalogue); existing rows read ``[]`` and show their English ``detail`` as before."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0017_dashboard_rollups'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboundemail',
            name='notes',
            field=models.JSONField(blank=True, default=list),
        ),
    ]
