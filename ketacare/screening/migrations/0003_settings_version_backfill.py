"""Screenings computed before settings were versioned ran under the clinic's stored overrides,
which became its settings version 1."""

from django.db import migrations


def forward(apps, schema_editor):
    ScreeningResult = apps.get_model("screening", "ScreeningResult")
    ClinicSettingsVersion = apps.get_model("accounts", "ClinicSettingsVersion")
    first = {
        v.clinic_id: v.pk for v in ClinicSettingsVersion.objects.filter(number=1)
    }
    for screening in ScreeningResult.objects.select_related("patient").filter(
        settings_version__isnull=True
    ):
        screening.settings_version_id = first[screening.patient.clinic_id]
        screening.save(update_fields=["settings_version"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_settings_versions_and_sites_from_clinics'),
        ('screening', '0002_settings_version'),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
