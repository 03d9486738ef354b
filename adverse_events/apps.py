from django.apps import AppConfig


class AdverseEventsConfig(AppConfig):
    name = "adverse_events"

    def ready(self):
        from adverse_events import crf
        from review.records import register

        register(*crf.KINDS)
