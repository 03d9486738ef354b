from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "medications"
    verbose_name = "Concomitant medications"

    def ready(self):
        from medications import crf
        from review.records import register

        register(*crf.KINDS)
