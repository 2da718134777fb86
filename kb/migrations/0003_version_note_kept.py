"""The notes the knowledge base writes itself on a version ("First version") kept as message ids and values
too (issue 22), so each editor reads them in their language. Adding a column with a constant default
rewrites no row on PostgreSQL 11+; existing rows read ``{}`` and show their English note as before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_index")]

    operations = [
        migrations.AddField(
            model_name="articleversion",
            name="note_kept",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
