import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('treatment', '0003_settings_version_backfill'),
    ]

    operations = [
        migrations.AlterField(
            model_name='treatmentplan',
            name='settings_version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinicsettingsversion'),
        ),
    ]
