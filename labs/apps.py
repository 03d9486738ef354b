from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = "Local laboratory results"

    def ready(self):
        from labs import crf
        from review.records import register

        register(*crf.KINDS)
