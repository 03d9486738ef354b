from django.apps import AppConfig


class EcgConfig(AppConfig):
    name = "ecg"
    verbose_name = "ECGs"

    def ready(self):
        from ecg import crf
        from review.records import register

        register(*crf.KINDS)
