"""The tumour assessment models now belong to the tumours app (tumours 0001, which keeps
their tables, moves their triggers and relabels their content types): dosing forgets
them, in its migration state only. Nothing in the database changes here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dosing", "0006_crf_bookkeeping"),
        ("tumours", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="lesionmeasurementevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="lesionmeasurementevent",
                    name="assessment",
                ),
                migrations.RemoveField(
                    model_name="lesionmeasurementevent",
                    name="lesion",
                ),
                migrations.RemoveField(
                    model_name="lesionmeasurementevent",
                    name="pgh_context",
                ),
                migrations.RemoveField(
                    model_name="targetlesiondefinition",
                    name="subject",
                ),
                migrations.RemoveField(
                    model_name="targetlesiondefinitionevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="targetlesiondefinitionevent",
                    name="pgh_context",
                ),
                migrations.RemoveField(
                    model_name="targetlesiondefinitionevent",
                    name="subject",
                ),
                migrations.RemoveField(
                    model_name="tumourassessment",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="tumourassessment",
                    name="subject",
                ),
                migrations.RemoveField(
                    model_name="tumourassessmentevent",
                    name="pgh_obj",
                ),
                migrations.RemoveField(
                    model_name="tumourassessmentevent",
                    name="pgh_context",
                ),
                migrations.RemoveField(
                    model_name="tumourassessmentevent",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="tumourassessmentevent",
                    name="subject",
                ),
                migrations.DeleteModel(
                    name="LesionMeasurement",
                ),
                migrations.DeleteModel(
                    name="LesionMeasurementEvent",
                ),
                migrations.DeleteModel(
                    name="TargetLesionDefinition",
                ),
                migrations.DeleteModel(
                    name="TargetLesionDefinitionEvent",
                ),
                migrations.DeleteModel(
                    name="TumourAssessment",
                ),
                migrations.DeleteModel(
                    name="TumourAssessmentEvent",
                ),
            ],
        ),
    ]
