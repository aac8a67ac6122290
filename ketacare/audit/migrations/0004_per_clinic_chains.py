"""One hash chain per clinic (and one for the installation) instead of one for everything.

Existing rows are not touched (they cannot be: the triggers refuse UPDATE): the two new columns
are added NULL, so every row written before this migration is in the legacy chain, verified as
before (gapless ids, the old canonical form). ``id`` becomes a database-assigned key that
continues after the last legacy id; new rows carry their chain and their place in it.

On SQLite the id change and the constraints remake the table, which drops its triggers; the
last operation installs them all again (``triggers.reinstall``). Undoing this migration is
refused once a row of a per-clinic chain exists: without its chain and place it could not be
verified.
"""

import django.db.models.functions.comparison
from django.db import migrations, models

from ketacare.audit import triggers


def continue_ids_after_legacy(apps, schema_editor):
    # PostgreSQL: Django adds the identity without moving it past the existing ids.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), "
            "COALESCE(MAX(id), 0) + 1, false) FROM audit_auditevent"
        )
    # SQLite: AUTOINCREMENT continues after the largest id copied into the remade table.


def refuse_undo_with_chained_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_auditevent WHERE chain IS NOT NULL")
        (chained,) = cursor.fetchone()
    if chained:
        raise RuntimeError(
            f"audit.0004 cannot be undone: {chained} audit events are in per-clinic chains "
            "and could not be verified without their chain and place"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_refuse_replace'),
    ]

    operations = [
        # Undone last: the triggers of 0002 and 0003 over the table as it was.
        migrations.RunPython(migrations.RunPython.noop, triggers.reinstall_before_chains),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.BigIntegerField(blank=True, help_text='clinic id, 0 = installation, NULL = legacy chain', null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(blank=True, help_text='place in the chain, from 1', null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='id',
            field=models.BigAutoField(primary_key=True, serialize=False),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('chain__isnull', True)), fields=['id'], name='audit_legacy_idx'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='audit_chain_seq_unique'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('chain__isnull', True), ('seq__isnull', True)), models.Q(('chain', django.db.models.functions.comparison.Coalesce('clinic_id', models.Value(0), output_field=models.BigIntegerField())), ('seq__gte', 1)), _connector='OR'), name='audit_chain_is_clinic'),
        ),
        migrations.RunPython(continue_ids_after_legacy, migrations.RunPython.noop),
        # Undone first: refuse while per-clinic rows exist.
        migrations.RunPython(triggers.reinstall, refuse_undo_with_chained_rows),
    ]
