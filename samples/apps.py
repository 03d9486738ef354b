from django.apps import AppConfig


class SamplesConfig(AppConfig):
    name = "samples"
    verbose_name = "PK and immunogenicity samples"

    def ready(self):
        from review.records import register
        from samples import crf

        register(*crf.KINDS)
