"""The phone's digits in a column of their own, so search matches a phone whatever its
formatting; filled for the patients registered before it."""

from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Patient = apps.get_model("patients", "Patient")
    changed = []
    for patient in Patient.objects.exclude(phone="").only("pk", "phone").iterator():
        patient.phone_digits = "".join(ch for ch in patient.phone if ch.isdigit())
        changed.append(patient)
    Patient.objects.bulk_update(changed, ["phone_digits"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_patient_inactive_reason")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="phone_digits",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
