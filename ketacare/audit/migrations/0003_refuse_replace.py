from django.db import migrations

from ketacare.audit import triggers


class Migration(migrations.Migration):
    """SQLite: refuse ``REPLACE INTO`` / ``INSERT OR REPLACE`` over an existing audit row."""

    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(triggers.install_insert_guard, triggers.remove_insert_guard)]
