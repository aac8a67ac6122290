from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_settings_versions_and_sites_from_clinics'),
        # Screenings and plans point at version 1 before the column it came from goes.
        ('screening', '0003_settings_version_backfill'),
        ('treatment', '0003_settings_version_backfill'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='clinic',
            name='clinical_settings',
        ),
    ]
