from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"

    def ready(self):
        from followup import services, tasks
        from trial import hooks

        hooks.provide("query_event", services.query_event_notify)
        hooks.provide("sae_alert", tasks.enqueue_sae_alert)
