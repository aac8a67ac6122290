"""Every clinic gets settings version 1 (the overrides it stored in ``Clinic.clinical_settings``,
which the next migration removes) and one site at the clinic's own address."""

from django.db import migrations

REASON = "The clinic's settings when settings became versioned (migrated)"
LABEL = "system: migration 0004_settings_versions_and_sites_from_clinics"


def forward(apps, schema_editor):
    Clinic = apps.get_model("accounts", "Clinic")
    ClinicSettingsVersion = apps.get_model("accounts", "ClinicSettingsVersion")
    Site = apps.get_model("accounts", "Site")
    for clinic in Clinic.objects.order_by("pk"):
        if not ClinicSettingsVersion.objects.filter(clinic=clinic).exists():
            ClinicSettingsVersion.objects.create(
                clinic=clinic,
                number=1,
                overrides=dict(clinic.clinical_settings or {}),
                reason=REASON,
                created_by_label=LABEL,
            )
        if not Site.objects.filter(clinic=clinic).exists():
            Site.objects.create(
                clinic=clinic,
                name=clinic.name,
                address_line=clinic.address_line,
                city=clinic.city,
                region=clinic.region,
                postal_code=clinic.postal_code,
                country=clinic.country,
                time_zone=clinic.time_zone,
            )


def backward(apps, schema_editor):
    """Put the current version's overrides back into the column; drop versions and sites."""
    Clinic = apps.get_model("accounts", "Clinic")
    ClinicSettingsVersion = apps.get_model("accounts", "ClinicSettingsVersion")
    Site = apps.get_model("accounts", "Site")
    for clinic in Clinic.objects.order_by("pk"):
        latest = ClinicSettingsVersion.objects.filter(clinic=clinic).order_by("-number").first()
        clinic.clinical_settings = dict(latest.overrides) if latest is not None else {}
        clinic.save(update_fields=["clinical_settings"])
    ClinicSettingsVersion.objects.all().delete()
    Site.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_invitation_settings_version_site'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
