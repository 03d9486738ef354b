"""The tumour assessment models move here from the dosing app, their tables staying put.

The tables (and the pghistory event tables) keep their names, so their rows, the audit
events and the hash chain's links (trial.audit_chain names event tables) are untouched:
the models are created in this app's state only. What does change in the database, in this
one transaction:

* the dosing-named pgtrigger triggers (no hard delete, the pghistory insert/update events,
  append-only events) are dropped and the same triggers installed under this app's names;
* the content types keep their ids and take this app's label
(trial.migration_ops says why).

dosing 0007 removes the models from dosing's state only.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

from trial.migration_ops import RetireTriggersOf, relabel_content_types

MOVED = (
    "targetlesiondefinition",
    "targetlesiondefinitionevent",
    "tumourassessment",
    "tumourassessmentevent",
    "lesionmeasurement",
    "lesionmeasurementevent",
)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dosing", "0006_crf_bookkeeping"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("trial", "0010_vital_sign_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TargetLesionDefinition",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("lesion_id", models.CharField(max_length=10)),
                        ("organ", models.CharField(max_length=60)),
                        ("is_lymph_node", models.BooleanField(default=False)),
                        ("location", models.CharField(blank=True, max_length=200)),
                        ("voided_at", models.DateTimeField(blank=True, null=True)),
                        ("void_reason", models.TextField(blank=True)),
                        (
                            "subject",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="target_lesions",
                                to="trial.subject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_targetlesiondefinition",
                        "ordering": ["subject", "lesion_id"],
                    },
                ),
                migrations.CreateModel(
                    name="LesionMeasurement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "diameter_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "lesion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="measurements",
                                to="tumours.targetlesiondefinition",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_lesionmeasurement",
                    },
                ),
                migrations.CreateModel(
                    name="TargetLesionDefinitionEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("id", models.BigIntegerField()),
                        ("lesion_id", models.CharField(max_length=10)),
                        ("organ", models.CharField(max_length=60)),
                        ("is_lymph_node", models.BooleanField(default=False)),
                        ("location", models.CharField(blank=True, max_length=200)),
                        ("voided_at", models.DateTimeField(blank=True, null=True)),
                        ("void_reason", models.TextField(blank=True)),
                        (
                            "pgh_context",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="pghistory.context",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="tumours.targetlesiondefinition",
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="trial.subject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_targetlesiondefinitionevent",
                        "abstract": False,
                    },
                ),
                migrations.CreateModel(
                    name="TumourAssessment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("assessment_date", models.DateField()),
                        ("is_baseline", models.BooleanField(default=False)),
                        ("method", models.CharField(default="CT", max_length=30)),
                        (
                            "non_target",
                            models.CharField(
                                choices=[
                                    ("cr", "Complete response (all gone, nodes < 10 mm)"),
                                    ("non_cr_non_pd", "Non-CR / non-PD (present)"),
                                    ("pd", "Unequivocal progression"),
                                    ("ne", "Not evaluated"),
                                    ("not_present", "No non-target lesions at baseline"),
                                ],
                                max_length=15,
                            ),
                        ),
                        ("new_lesions", models.BooleanField(blank=True, null=True)),
                        (
                            "sum_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=7, null=True
                            ),
                        ),
                        (
                            "change_from_baseline_pct",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "change_from_nadir_pct",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "nadir_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=7, null=True
                            ),
                        ),
                        (
                            "response",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("cr", "CR"),
                                    ("pr", "PR"),
                                    ("sd", "SD"),
                                    ("pd", "PD"),
                                    ("ne", "NE"),
                                ],
                                max_length=2,
                            ),
                        ),
                        ("reasons", models.JSONField(blank=True, default=list)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("voided_at", models.DateTimeField(blank=True, null=True)),
                        ("void_reason", models.TextField(blank=True)),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="tumour_assessments",
                                to="trial.subject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_tumourassessment",
                        "ordering": ["subject", "assessment_date"],
                    },
                ),
                migrations.CreateModel(
                    name="LesionMeasurementEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("id", models.BigIntegerField()),
                        (
                            "diameter_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "pgh_context",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="pghistory.context",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="tumours.lesionmeasurement",
                            ),
                        ),
                        (
                            "lesion",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="tumours.targetlesiondefinition",
                            ),
                        ),
                        (
                            "assessment",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="tumours.tumourassessment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_lesionmeasurementevent",
                        "abstract": False,
                    },
                ),
                migrations.AddField(
                    model_name="lesionmeasurement",
                    name="assessment",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="measurements",
                        to="tumours.tumourassessment",
                    ),
                ),
                migrations.CreateModel(
                    name="TumourAssessmentEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("id", models.BigIntegerField()),
                        ("assessment_date", models.DateField()),
                        ("is_baseline", models.BooleanField(default=False)),
                        ("method", models.CharField(default="CT", max_length=30)),
                        (
                            "non_target",
                            models.CharField(
                                choices=[
                                    ("cr", "Complete response (all gone, nodes < 10 mm)"),
                                    ("non_cr_non_pd", "Non-CR / non-PD (present)"),
                                    ("pd", "Unequivocal progression"),
                                    ("ne", "Not evaluated"),
                                    ("not_present", "No non-target lesions at baseline"),
                                ],
                                max_length=15,
                            ),
                        ),
                        ("new_lesions", models.BooleanField(blank=True, null=True)),
                        (
                            "sum_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=7, null=True
                            ),
                        ),
                        (
                            "change_from_baseline_pct",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "change_from_nadir_pct",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=6, null=True
                            ),
                        ),
                        (
                            "nadir_mm",
                            models.DecimalField(
                                blank=True, decimal_places=1, max_digits=7, null=True
                            ),
                        ),
                        (
                            "response",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("cr", "CR"),
                                    ("pr", "PR"),
                                    ("sd", "SD"),
                                    ("pd", "PD"),
                                    ("ne", "NE"),
                                ],
                                max_length=2,
                            ),
                        ),
                        ("reasons", models.JSONField(blank=True, default=list)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("voided_at", models.DateTimeField(blank=True, null=True)),
                        ("void_reason", models.TextField(blank=True)),
                        (
                            "pgh_context",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="pghistory.context",
                            ),
                        ),
                        (
                            "pgh_obj",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="events",
                                to="tumours.tumourassessment",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                related_query_name="+",
                                to="trial.subject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_tumourassessmentevent",
                        "abstract": False,
                    },
                ),
                migrations.AddConstraint(
                    model_name="targetlesiondefinition",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("voided_at__isnull", True)),
                        fields=("subject", "lesion_id"),
                        name="lesion_unique_id_live",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="tumourassessment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("voided_at__isnull", True)),
                        fields=("subject", "assessment_date"),
                        name="tumour_assessment_one_per_day_live",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="tumourassessment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("is_baseline", True), ("voided_at__isnull", True)),
                        fields=("subject",),
                        name="tumour_assessment_one_baseline_live",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lesionmeasurement",
                    constraint=models.UniqueConstraint(
                        fields=("assessment", "lesion"), name="measurement_once_per_lesion"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="lesionmeasurement",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("diameter_mm__isnull", True), ("diameter_mm__gte", 0), _connector="OR"
                        ),
                        name="measurement_not_negative",
                    ),
                ),
            ],
        ),
        RetireTriggersOf("dosing", MOVED),
        pgtrigger.migrations.AddTrigger(
            model_name="targetlesiondefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="no_hard_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="a25667f3685cb3874619ccbf0f81bfa564d8749b",
                    operation="DELETE",
                    pgid="pgtrigger_no_hard_delete_d1645",
                    table="dosing_targetlesiondefinition",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="targetlesiondefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "dosing_targetlesiondefinitionevent" ("id", "is_lymph_node", "lesion_id", "location", "organ", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "subject_id", "void_reason", "voided_at") VALUES (NEW."id", NEW."is_lymph_node", NEW."lesion_id", NEW."location", NEW."organ", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."subject_id", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="3860dde09c0ee77fe1977779e4380b2d3101e456",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_c765d",
                    table="dosing_targetlesiondefinition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="targetlesiondefinition",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "dosing_targetlesiondefinitionevent" ("id", "is_lymph_node", "lesion_id", "location", "organ", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "subject_id", "void_reason", "voided_at") VALUES (NEW."id", NEW."is_lymph_node", NEW."lesion_id", NEW."location", NEW."organ", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."subject_id", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="67ae2b320efe05459a32525daf5a77d8b2cee53b",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_91a91",
                    table="dosing_targetlesiondefinition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="targetlesiondefinitionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="1bbe1f931ed0e593843c17e3a573a92cb5342f0e",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_557a0",
                    table="dosing_targetlesiondefinitionevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tumourassessment",
            trigger=pgtrigger.compiler.Trigger(
                name="no_hard_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="4f87d6097caa8f40f6afe2d5108e176c68284e49",
                    operation="DELETE",
                    pgid="pgtrigger_no_hard_delete_0076a",
                    table="dosing_tumourassessment",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tumourassessment",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "dosing_tumourassessmentevent" ("assessment_date", "change_from_baseline_pct", "change_from_nadir_pct", "id", "is_baseline", "method", "nadir_mm", "new_lesions", "non_target", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reasons", "recorded_at", "recorded_by_id", "response", "subject_id", "sum_mm", "updated_at", "version", "void_reason", "voided_at") VALUES (NEW."assessment_date", NEW."change_from_baseline_pct", NEW."change_from_nadir_pct", NEW."id", NEW."is_baseline", NEW."method", NEW."nadir_mm", NEW."new_lesions", NEW."non_target", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reasons", NEW."recorded_at", NEW."recorded_by_id", NEW."response", NEW."subject_id", NEW."sum_mm", NEW."updated_at", NEW."version", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="7e8122c41dfe6a734db8083505204c5dbef82906",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_83103",
                    table="dosing_tumourassessment",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tumourassessment",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "dosing_tumourassessmentevent" ("assessment_date", "change_from_baseline_pct", "change_from_nadir_pct", "id", "is_baseline", "method", "nadir_mm", "new_lesions", "non_target", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reasons", "recorded_at", "recorded_by_id", "response", "subject_id", "sum_mm", "updated_at", "version", "void_reason", "voided_at") VALUES (NEW."assessment_date", NEW."change_from_baseline_pct", NEW."change_from_nadir_pct", NEW."id", NEW."is_baseline", NEW."method", NEW."nadir_mm", NEW."new_lesions", NEW."non_target", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reasons", NEW."recorded_at", NEW."recorded_by_id", NEW."response", NEW."subject_id", NEW."sum_mm", NEW."updated_at", NEW."version", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="0c2d83642e19967e93ec7fbbccd71c0e7163ee37",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_1e48f",
                    table="dosing_tumourassessment",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lesionmeasurementevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="1a9962b602e59724abba32b2ca9d29d48301cdd9",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_daf5f",
                    table="dosing_lesionmeasurementevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lesionmeasurement",
            trigger=pgtrigger.compiler.Trigger(
                name="no_hard_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="76abd38c472b9e230747a0aada9ffd38830f0b16",
                    operation="DELETE",
                    pgid="pgtrigger_no_hard_delete_fcc3e",
                    table="dosing_lesionmeasurement",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lesionmeasurement",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "dosing_lesionmeasurementevent" ("assessment_id", "diameter_mm", "id", "lesion_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."assessment_id", NEW."diameter_mm", NEW."id", NEW."lesion_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id"); RETURN NULL;',
                    hash="fc28dd2d262a5693ac702afd48e8ebf390de6382",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_25d7c",
                    table="dosing_lesionmeasurement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="lesionmeasurement",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "dosing_lesionmeasurementevent" ("assessment_id", "diameter_mm", "id", "lesion_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."assessment_id", NEW."diameter_mm", NEW."id", NEW."lesion_id", _pgh_attach_context(), NOW(), \'update\', NEW."id"); RETURN NULL;',
                    hash="e0e5e3e789738ed68be7bc3553a08b2113877798",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_17301",
                    table="dosing_lesionmeasurement",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tumourassessmentevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="56428bc02dc8f4d4c102df34feb8fdf2e2428b9c",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_8905d",
                    table="dosing_tumourassessmentevent",
                    when="BEFORE",
                ),
            ),
        ),
        relabel_content_types("dosing", "tumours", MOVED),
    ]
