"""Alerts name what raised them generically (source type and id) instead of a foreign key to
a questionnaire response, so that alerts imports no app above it."""

from django.db import migrations, models


def name_the_response(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    for alert in Alert.objects.exclude(response_id=None).only("pk", "response_id"):
        Alert.objects.filter(pk=alert.pk).update(
            source_type="outcomes.questionnaireresponse", source_id=str(alert.response_id)
        )


def restore_the_response(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    for alert in Alert.objects.filter(source_type="outcomes.questionnaireresponse"):
        Alert.objects.filter(pk=alert.pk).update(response_id=int(alert.source_id))


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="source_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="alert",
            name="source_type",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(name_the_response, restore_the_response),
        migrations.RemoveField(model_name="alert", name="response"),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                fields=["source_type", "source_id"], name="alerts_aler_source__b31a01_idx"
            ),
        ),
    ]
