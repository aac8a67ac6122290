import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0003_settings_version_backfill'),
    ]

    operations = [
        migrations.AlterField(
            model_name='screeningresult',
            name='settings_version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinicsettingsversion'),
        ),
        # The overrides a screening used are its settings version's, which is never edited.
        migrations.RemoveField(
            model_name='screeningresult',
            name='settings_used',
        ),
    ]
