from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "Medical history"

    def ready(self):
        from history import crf
        from review.records import register

        register(*crf.KINDS)
