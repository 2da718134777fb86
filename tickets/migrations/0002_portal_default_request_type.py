"""The default request form: exactly what the voice-platform policy's email template asks."""

from django.db import migrations

VOICE_PLATFORM_FIELDS = [
    {"name": "product", "label": "Product", "type": "text", "required": True,
     "help": "The product you are using, e.g. Dev, Fuse, Insight, VoiceTrends."},
    {"name": "numbers_dialed", "label": "Phone number(s) dialed", "type": "phone_list", "required": False,
     "help": "List all that apply, separated by commas."},
    {"name": "numbers_calling", "label": "Phone number(s) that initiated the call", "type": "phone_list",
     "required": False, "help": "List all that apply, separated by commas."},
    {"name": "start_date", "label": "Start date of issue", "type": "date", "required": True,
     "help": "When did the issue start occurring?"},
    {"name": "pattern", "label": "Is the issue intermittent or consistent?", "type": "choice", "required": True,
     "choices": ["Intermittent", "Consistent"]},
    {"name": "frequency", "label": "How often is the issue occurring?", "type": "text", "required": True,
     "help": "e.g. every call, a few times a day, once so far."},
    {"name": "details", "label": "Details", "type": "textarea", "required": True,
     "help": "Any and all relevant details: what happens, what you expected, what you tried."},
]


def create_default(apps, schema_editor):
    RequestType = apps.get_model("tickets", "RequestType")
    if RequestType.objects.filter(slug="report-a-problem").exists():
        return
    RequestType.objects.create(
        slug="report-a-problem",
        name="Report a problem",
        description="Calls, numbers or applications not working as expected.",
        fields=VOICE_PLATFORM_FIELDS,
        is_default=not RequestType.objects.filter(is_default=True).exists(),
        active=True,
        position=0,
    )


def remove_default(apps, schema_editor):
    apps.get_model("tickets", "RequestType").objects.filter(slug="report-a-problem").delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
