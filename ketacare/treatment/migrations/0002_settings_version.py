import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_invitation_settings_version_site'),
        ('treatment', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='treatmentplan',
            name='settings_version',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinicsettingsversion'),
        ),
    ]
