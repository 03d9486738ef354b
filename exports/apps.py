from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"

    def ready(self):
        from exports.models import ExportRun
        from exports.selectors import runs_for
        from trial.audit import register_history

        # An export run's own audit trail (requested, started, finished, downloaded).
        register_history(ExportRun, runs_for)

        from exports.services import download_record
        from trial import hooks

        hooks.provide("download_record", download_record)
