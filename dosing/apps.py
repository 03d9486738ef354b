from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self):
        from dosing import crf
        from review.records import register, register_export

        register(*crf.KINDS)
        for label, spec in crf.EXPORT_ONLY.items():
            register_export(label, spec)
