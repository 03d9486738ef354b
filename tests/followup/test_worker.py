"""The reminder path through a real worker and broker: scan, send, notification arrives."""

from datetime import timedelta

from django.utils import timezone

from followup.models import Notification, Reminder
from followup.tasks import scan_reminders
from tests.adverse_events.factories import load_starter_dictionary, record_ae
from tests.conftest import database_env_of_tests, start_worker
from tests.dosing.factories import dosed_subject
from tests.trial.test_celery import wait_for


def test_sae_reminder_is_sent_by_a_real_worker(
    live_worker, study, site_a, coordinator_a, investigator_a
):
    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    now = timezone.now()
    ae = record_ae(
        subject,
        coordinator_a,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
        aware_at=now - timedelta(hours=13),
        now=now,
    )
    scan_reminders.delay()
    assert wait_for(
        lambda: Notification.objects.filter(
            user=investigator_a, reminder__kind="sae_12h_left"
        ).exists(),
        live_worker,
    )
    sent = Reminder.objects.filter(subject=subject, kind__startswith="sae", sent_at__isnull=False)
    # 13 h after awareness the "12 h left" state supersedes the "new SAE" alert that had not
    # gone out yet (followup/rules.py): one message, the current one.
    assert set(sent.values_list("kind", flat=True)) == {"sae_12h_left"}
    assert f"AE{ae.sequence}" in Notification.objects.filter(user=investigator_a).first().title


def test_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    live_worker, study, site_a, coordinator_a, investigator_a, tmp_path
):
    """Kill -9 the worker while it is sending; after a restart and the next scan every
    reminder is sent, each exactly once."""
    import os
    import signal

    from config.celery import app

    live_worker.terminate()
    live_worker.wait(timeout=20)
    investigator_a.email = "pi@example.org"
    investigator_a.save(update_fields=["email"])
    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    now = timezone.now()
    record_ae(
        subject,
        coordinator_a,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
        aware_at=now - timedelta(hours=13),
        now=now,
    )
    mail_dir = tmp_path / "mail"
    env = (
        os.environ
        | database_env_of_tests()
        | {
            "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue,
            "EMAIL_BACKEND": "tests.followup.slow_mail.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "SLOW_MAIL_SECONDS": "3",
            "REMINDER_STALE_CLAIM_SECONDS": "2",
        }
    )
    worker = start_worker(app.conf.task_default_queue, env)
    try:
        scan_reminders.delay()
        # Wait until a send is claimed (the worker is now inside the slow backend), then kill.
        assert wait_for(lambda: Reminder.objects.filter(claimed_at__isnull=False).exists(), worker)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
        assert Reminder.objects.filter(sent_at__isnull=True).exists()
        worker = start_worker(app.conf.task_default_queue, env)
        expected = Reminder.objects.count()

        def all_sent():
            if Reminder.objects.filter(sent_at__isnull=True).exists():
                scan_reminders.delay()  # what beat does every few minutes
                return False
            return True

        assert wait_for(all_sent, worker, seconds=150)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    files = list(mail_dir.glob("*.log"))
    bodies = "".join(f.read_text() for f in files)
    subjects = [line for line in bodies.splitlines() if line.startswith("Subject: [eCRF]")]
    assert Notification.objects.count() == expected
    # One email per reminder to someone with an address, none twice (here each has its own
    # subject line). The investigator's "new SAE" alert is superseded by "12 h left" before it
    # goes out, so one reminder has an address.
    with_email = Reminder.objects.exclude(recipient__email="").count()
    assert with_email == 1
    assert len(subjects) == with_email, subjects
    assert len(set(subjects)) == len(subjects), subjects
