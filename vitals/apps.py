from django.apps import AppConfig


class VitalsConfig(AppConfig):
    name = "vitals"
    verbose_name = "Vital signs"

    def ready(self):
        from review.records import register
        from vitals import crf

        register(*crf.KINDS)
