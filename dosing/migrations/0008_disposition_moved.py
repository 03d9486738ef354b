"""The disposition model now belongs to the dispositions app (dispositions 0001, which keeps
its tables, moves its triggers and relabels its content types): dosing forgets it, in its
migration state only. Nothing in the database changes here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dosing", "0007_tumour_models_moved"),
        ("dispositions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="dispositionevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="dispositionevent",
                    name="pgh_context",
                ),
                migrations.RemoveField(
                    model_name="dispositionevent",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="dispositionevent",
                    name="subject",
                ),
                migrations.DeleteModel(
                    name="Disposition",
                ),
                migrations.DeleteModel(
                    name="DispositionEvent",
                ),
            ],
        ),
    ]
