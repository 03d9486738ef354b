from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self):
        from dosing import crf
        from review.records import register

        register(*crf.KINDS)
