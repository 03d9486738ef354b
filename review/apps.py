from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"

    def ready(self):
        from review import export_records, trial_kinds
        from review.records import register, register_export, schedulable_forms
        from trial import hooks

        register(*trial_kinds.KINDS)
        hooks.provide("schedulable_forms", schedulable_forms)
        for label, spec in export_records.EXPORT_ONLY.items():
            register_export(label, spec)
