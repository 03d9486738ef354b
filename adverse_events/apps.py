from django.apps import AppConfig


class AdverseEventsConfig(AppConfig):
    name = "adverse_events"

    def ready(self):
        from adverse_events.models import AdverseEvent
        from adverse_events.selectors import saes_for
        from trial.audit import register_history

        # SAE readers (sponsor safety included) may read the history of the SAEs they see.
        register_history(AdverseEvent, lambda user: saes_for(user) | _ae(user))


def _ae(user):
    from adverse_events.selectors import adverse_events_for

    return adverse_events_for(user)
