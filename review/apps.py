from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"

    def ready(self):
        from review import export_records, trial_kinds
        from review.records import register, register_export

        register(*trial_kinds.KINDS)
        for label, spec in export_records.EXPORT_ONLY.items():
            register_export(label, spec)
