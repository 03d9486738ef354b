from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self):
        from dosing import crf
        from dosing.models import Disposition
        from review.records import register, register_export
        from trial.access import scope_to_sites
        from trial.audit import register_history

        register(*crf.KINDS)
        for label, spec in crf.EXPORT_ONLY.items():
            register_export(label, spec)
        register_history(
            Disposition,
            lambda user: scope_to_sites(
                Disposition.objects.all(), user, site_field="subject__site"
            ),
        )
