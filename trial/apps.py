from django.apps import AppConfig


class TrialConfig(AppConfig):
    name = "trial"
    verbose_name = "Trial: study, sites, people and subjects"

    def ready(self):
        from trial.access import subjects_for
        from trial.audit import register_history
        from trial.models import Subject

        register_history(Subject, subjects_for)

        from trial.security import connect_signals

        connect_signals()
