from django.apps import AppConfig


class DispositionsConfig(AppConfig):
    name = "dispositions"
    verbose_name = "Dispositions (end of treatment, end of study, withdrawal, death)"

    def ready(self):
        from dispositions import crf
        from review.records import register

        register(*crf.KINDS)
