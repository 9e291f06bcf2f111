from django.db import migrations

# The defaults as they were when star codes came (telephony.featurecodes.choices.DEFAULT_DIGITS).
DEFAULT_DIGITS = {
    "activate_profile": "*10",
    "forward_always": "*11",
    "forward_no_answer": "*12",
    "forward_busy": "*13",
    "forward_not_registered": "*14",
    "cancel_always": "**11",
    "cancel_no_answer": "**12",
    "cancel_busy": "**13",
    "cancel_not_registered": "**14",
    "voicemail_target": "*791",
    "intercom": "*80",
    "dnd_on": "*78",
    "dnd_off": "*79",
    "dnd_toggle": "*76",
}


def create(apps, schema_editor):
    """Tenants created before star codes existed get the default table too."""
    Tenant = apps.get_model("tenants", "Tenant")
    StarCode = apps.get_model("featurecodes", "StarCode")
    for tenant in Tenant.objects.all():
        present = set(StarCode.objects.filter(tenant=tenant).values_list("kind", flat=True))
        StarCode.objects.bulk_create(
            StarCode(tenant=tenant, kind=kind, digits=digits) for kind, digits in DEFAULT_DIGITS.items() if kind not in present
        )


def remove(apps, schema_editor):
    apps.get_model("featurecodes", "StarCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("featurecodes", "0001_star_codes"), ("tenants", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
