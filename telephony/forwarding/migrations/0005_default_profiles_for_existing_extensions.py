from django.db import migrations

NAMES = {"de": "Standardprofil", "fr": "Profil par défaut"}


def create(apps, schema_editor):
    """Extensions made before forwarding profiles existed get their default profile (number 0, active)."""
    Extension = apps.get_model("directory", "Extension")
    ForwardingProfile = apps.get_model("forwarding", "ForwardingProfile")
    missing = Extension.objects.exclude(forwarding_profiles__is_default=True).select_related("tenant")
    ForwardingProfile.objects.bulk_create(
        ForwardingProfile(
            tenant_id=extension.tenant_id,
            extension=extension,
            slot=0,
            name=NAMES.get(extension.tenant.language, "Default profile"),
            is_default=True,
            is_active=True,
        )
        for extension in missing.iterator()
    )


def remove(apps, schema_editor):
    apps.get_model("forwarding", "ForwardingProfile").objects.filter(is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("forwarding", "0004_forwarding_profiles")]
    operations = [migrations.RunPython(create, remove)]
