from django.apps import AppConfig


class TumoursConfig(AppConfig):
    name = "tumours"
    verbose_name = "Tumour assessments (RECIST 1.1)"

    def ready(self):
        from review.records import register, register_export
        from trial import hooks
        from tumours import crf, sdtm

        register(*crf.KINDS)
        hooks.provide("target_lesions_of", sdtm.target_lesions_of)
        for label, spec in crf.EXPORT_ONLY.items():
            register_export(label, spec)
