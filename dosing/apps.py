from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self):
        from dosing.models import Disposition, DosingRecord
        from trial.access import scope_to_sites
        from trial.audit import register_history
        from trial.models import Visit

        for model in (DosingRecord, Disposition, Visit):
            register_history(
                model,
                lambda user, model=model: scope_to_sites(
                    model.objects.all(), user, site_field="subject__site"
                ),
            )
