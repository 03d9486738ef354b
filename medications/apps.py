from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "medications"
    verbose_name = "Concomitant medications"

    def ready(self):
        from medications import crf, selectors
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("ae_medications", selectors.ae_medications)
