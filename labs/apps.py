from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Local laboratory results"

    def ready(self):
        from labs import crf, selectors, services
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("screening_labs_of", selectors.screening_panel)
        hooks.provide("first_dose_moved", services.regrade_after_first_dose)
