from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self):
        from review.records import register
        from screening import crf

        register(*crf.KINDS)
