from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self):
        from dosing import crf, sdtm
        from review.records import register
        from trial import hooks

        register(*crf.KINDS)
        hooks.provide("exposure_times", sdtm.exposure_times)
