from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self):
        from review.records import register
        from screening import crf, selectors
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("checked_against_screening_labs", selectors.checked_against_screening_labs)
