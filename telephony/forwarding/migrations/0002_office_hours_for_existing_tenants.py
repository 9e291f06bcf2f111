from django.db import migrations

OFFICE_HOURS_DAYS = [0, 1, 2, 3, 4]
OFFICE_HOURS_PERIODS = [(8 * 60, 12 * 60), (14 * 60, 18 * 60)]
NAMES = {"de": "Bürozeiten", "fr": "Ouverture des bureaux"}


def create(apps, schema_editor):
    """Tenants created before time ranges existed get their office-hours range too."""
    Tenant = apps.get_model("tenants", "Tenant")
    TimeRange = apps.get_model("forwarding", "TimeRange")
    TimePeriod = apps.get_model("forwarding", "TimePeriod")
    for tenant in Tenant.objects.exclude(timerange__is_default=True):
        time_range = TimeRange.objects.create(
            tenant=tenant, name=NAMES.get(tenant.language, "Office hours"), is_default=True, weekdays=OFFICE_HOURS_DAYS
        )
        TimePeriod.objects.bulk_create(TimePeriod(time_range=time_range, start_minute=s, end_minute=e) for s, e in OFFICE_HOURS_PERIODS)


def remove(apps, schema_editor):
    apps.get_model("forwarding", "TimeRange").objects.filter(is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("forwarding", "0001_time_ranges_and_holidays"), ("tenants", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
