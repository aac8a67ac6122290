"""Plans drafted before settings were versioned ran under the clinic's stored overrides, which
became its settings version 1."""

from django.db import migrations


def forward(apps, schema_editor):
    TreatmentPlan = apps.get_model("treatment", "TreatmentPlan")
    ClinicSettingsVersion = apps.get_model("accounts", "ClinicSettingsVersion")
    first = {
        v.clinic_id: v.pk for v in ClinicSettingsVersion.objects.filter(number=1)
    }
    for plan in TreatmentPlan.objects.select_related("patient").filter(
        settings_version__isnull=True
    ):
        plan.settings_version_id = first[plan.patient.clinic_id]
        plan.save(update_fields=["settings_version"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_settings_versions_and_sites_from_clinics'),
        ('treatment', '0002_settings_version'),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
