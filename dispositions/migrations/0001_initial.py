"""The disposition model moves here from the dosing app, its tables staying put.

The table and its pghistory event table keep their names, so their rows, the audit events
and the hash chain's links are untouched: the models are created in this app's state only.
In the database, in this one transaction, the dosing-named triggers are swapped for the same
triggers under this app's names and the two content types take this app's label, their ids
kept (trial.migration_ops says why). dosing 0008 removes the model from dosing's state only.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

from trial.migration_ops import RetireTriggersOf, relabel_content_types

MOVED = ("disposition", "dispositionevent")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dosing", "0007_tumour_models_moved"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("trial", "0013_study_assessments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Disposition",
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
                            "kind",
                            models.CharField(
                                choices=[
                                    ("end_of_treatment", "End of treatment"),
                                    ("end_of_study", "End of study (completed)"),
                                    ("withdrawal", "Withdrawal of consent"),
                                    ("lost_to_follow_up", "Lost to follow-up"),
                                    ("death", "Death"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("event_date", models.DateField()),
                        ("reason", models.TextField()),
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
                                related_name="dispositions",
                                to="trial.subject",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dosing_disposition",
                        "ordering": ["subject", "event_date", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="DispositionEvent",
                    fields=[
                        ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                        ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                        ("pgh_label", models.TextField(help_text="The event label.")),
                        ("id", models.BigIntegerField()),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("end_of_treatment", "End of treatment"),
                                    ("end_of_study", "End of study (completed)"),
                                    ("withdrawal", "Withdrawal of consent"),
                                    ("lost_to_follow_up", "Lost to follow-up"),
                                    ("death", "Death"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("event_date", models.DateField()),
                        ("reason", models.TextField()),
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
                                to="dispositions.disposition",
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
                        "db_table": "dosing_dispositionevent",
                        "abstract": False,
                    },
                ),
                migrations.AddConstraint(
                    model_name="disposition",
                    constraint=models.UniqueConstraint(
                        fields=("subject", "kind"), name="disposition_once_per_kind"
                    ),
                ),
            ],
        ),
        RetireTriggersOf("dosing", MOVED),
        pgtrigger.migrations.AddTrigger(
            model_name="disposition",
            trigger=pgtrigger.compiler.Trigger(
                name="no_hard_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="d6f86e216afb902473badf4693a550ee5ccae426",
                    operation="DELETE",
                    pgid="pgtrigger_no_hard_delete_44eee",
                    table="dosing_disposition",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="disposition",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "dosing_dispositionevent" ("event_date", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "recorded_at", "recorded_by_id", "subject_id", "updated_at", "version", "void_reason", "voided_at") VALUES (NEW."event_date", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reason", NEW."recorded_at", NEW."recorded_by_id", NEW."subject_id", NEW."updated_at", NEW."version", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="2f88542b3710be9bec4eb7f6293756ef041756a7",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_b0273",
                    table="dosing_disposition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="disposition",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "dosing_dispositionevent" ("event_date", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "recorded_at", "recorded_by_id", "subject_id", "updated_at", "version", "void_reason", "voided_at") VALUES (NEW."event_date", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reason", NEW."recorded_at", NEW."recorded_by_id", NEW."subject_id", NEW."updated_at", NEW."version", NEW."void_reason", NEW."voided_at"); RETURN NULL;',
                    hash="6fdda7f6d1cef23da789a39010e282fb7fdda8c8",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_ef71e",
                    table="dosing_disposition",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dispositionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="43355157436f22fe79caaa953312ce7cebd7d4cb",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_91a91",
                    table="dosing_dispositionevent",
                    when="BEFORE",
                ),
            ),
        ),
        relabel_content_types("dosing", "dispositions", MOVED),
    ]
