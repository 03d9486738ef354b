from django.apps import AppConfig


class TumoursConfig(AppConfig):
    name = "tumours"
    verbose_name = "Tumour assessments (RECIST 1.1)"

    def ready(self):
        from review.records import register, register_export
        from tumours import crf

        register(*crf.KINDS)
        for label, spec in crf.EXPORT_ONLY.items():
            register_export(label, spec)
