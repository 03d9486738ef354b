from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Local laboratory results"

    def ready(self):
        from labs import crf, selectors
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("screening_labs_of", selectors.screening_panel)
