"""Migration operations for a model that moves from one app to another, keeping its table.

Used by tumours 0001 and dispositions 0001 (models that left the dosing app). The table and
its pghistory event table keep their names (`db_table`), so rows, audit events and the hash
chain's links (trial.audit_chain names event tables) are untouched; what must change:

* pgtrigger names its triggers after the model's app ("<app>.<Model>:<name>"), so the old
  app's triggers are dropped (RetireTriggersOf) and the same triggers installed under the
  new app's names, in the same transaction: no write happens between the two;
* the content types keep their ids and take the new app's label (relabel_content_types), so
  the signatures, queries, locks and verifications made on these records stay theirs.
"""

from django.db import migrations


class RetireTriggersOf(migrations.operations.base.Operation):
    """Drop (backwards: reinstall) the pgtrigger triggers of the models the old app had,
    as the migration state last defined them."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, app_label, model_names):
        self.from_app, self.model_names = app_label, model_names

    def state_forwards(self, app_label, state):
        pass

    def _triggers(self, state):
        for name in self.model_names:
            yield from state.models[self.from_app, name].options.get("triggers", [])

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for trigger in self._triggers(from_state):
            schema_editor.execute(trigger.uninstall_sql, params=None)
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger.sql.pgid}()", params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for trigger in self._triggers(to_state):
            schema_editor.execute(trigger.install_sql, params=None)

    def describe(self):
        return f"Drop the pgtrigger triggers of {self.from_app}'s {', '.join(self.model_names)}"


def relabel_content_types(old: str, new: str, models) -> migrations.RunPython:
    """Give the content types of `models` the app label `new` (backwards: `old`), in place."""

    def relabel(apps, schema_editor, old=old, new=new):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in models:
            if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
                ContentType.objects.using(db).filter(app_label=old, model=model).update(
                    app_label=new
                )

    def relabel_back(apps, schema_editor):
        relabel(apps, schema_editor, old=new, new=old)

    return migrations.RunPython(relabel, relabel_back)
