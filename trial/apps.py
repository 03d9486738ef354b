from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        post_migrate.connect(_after_migrate, sender=self)


def _after_migrate(*, using, plan=None, **kwargs):
    """After every migrate (never after a flush, which sends no plan): every audit, clinical and
    context table gets its guard triggers, every event table its hash-chain trigger, and the
    application's role exactly its privileges on the tables that now exist."""
    if plan is None:
        return
    from trial.audit_guards import install_guards
    from trial.privileges import sync_privileges

    install_guards(using=using)
    sync_privileges(using=using)
