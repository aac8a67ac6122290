"""No two active appointments overlap on a resource, a performer or a patient (PostgreSQL).

Exclusion constraints over ``tstzrange`` with ``btree_gist`` (for the ``=`` on the id): the
database refuses the second of two overlapping bookings even when both passed the check in
the service at the same moment. Half-open ranges ``[)``: back-to-back blocks do not overlap.
The resource and the patient are held for the whole block, the performer for the procedure.
On SQLite the booking transaction holds the write lock from BEGIN instead (models.py).
"""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"
CONSTRAINTS = {
    "appointment_resource_no_overlap": ("resource_id", "end_at"),
    "appointment_performer_no_overlap": ("performer_id", "procedure_end_at"),
    "appointment_patient_no_overlap": ("patient_id", "end_at"),
}


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, (column, end) in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(start_at, {end}, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
