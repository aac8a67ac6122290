"""Alerts about the clinic itself (no patient), such as a broken audit chain, and one alert per
clinic, kind and cause."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_generic_source"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="kind",
            field=models.CharField(
                choices=[("suicidality", "Suicidality"), ("audit_chain", "Audit log integrity")],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alerts",
                to="patients.patient",
            ),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_type", ""), _negated=True),
                fields=("clinic", "kind", "source_type", "source_id"),
                name="alert_one_per_source",
            ),
        ),
    ]
