from django.apps import AppConfig


class DispositionsConfig(AppConfig):
    name = "dispositions"
    verbose_name = "Dispositions (end of treatment, end of study, withdrawal, death)"

    def ready(self):
        from dispositions import crf, sdtm
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("participation_end", sdtm.participation_end)
