import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ecrf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A static schedule (exactly one beat process runs it); tasks are idempotent.
app.conf.beat_schedule = {
    "heartbeat": {"task": "trial.tasks.record_heartbeat", "schedule": 60.0, "args": ("beat",)},
    # Visits, SAE clocks, SUSARs, open queries and the daily digest: one idempotent scan.
    "scan-reminders": {"task": "followup.tasks.scan_reminders", "schedule": 300.0},
    # The audit trail's hash chain, recomputed nightly; the administrators are alerted if broken.
    # Export files past EXPORT_RETENTION_DAYS deleted; runs left "running" by a dead worker failed.
    "scan-exports": {"task": "exports.tasks.scan_exports", "schedule": 3600.0},
    "verify-audit-trail": {
        "task": "followup.tasks.verify_audit_trail",
        "schedule": crontab(hour=2, minute=30),
    },
}

# The filesystem broker and result store (development defaults) need their folders first.
for _key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    _folder = app.conf.broker_transport_options.get(_key)
    if _folder:
        os.makedirs(_folder, exist_ok=True)
if str(app.conf.result_backend or "").startswith("file://"):
    os.makedirs(app.conf.result_backend.removeprefix("file://"), exist_ok=True)
