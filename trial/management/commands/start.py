"""Run the whole product in the foreground: web server, Celery worker and Celery beat.

Migrates, loads the study file and the demo data first (all idempotent). Without
DATABASE_URL the embedded PostgreSQL is started and stopped with this command. Ctrl-C (or
SIGTERM) stops every process cleanly; the data stays under var/.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import embedded_postgres


class Command(BaseCommand):
    help = "Start web, worker and beat with demo data (the README's first command)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ECRF_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo data set.")

    def handle(self, *args, addr, no_demo, **options):
        env = os.environ.copy()
        if not env.get("DATABASE_URL"):
            self.stdout.write("Starting the embedded PostgreSQL (data in var/pgdata)...")
            embedded_postgres.ensure_server()
            env["DATABASE_URL"] = embedded_postgres.database_url()
        call_command("migrate", interactive=False, verbosity=1)
        call_command("load_study")
        call_command("import_ctcae")
        if not no_demo:
            call_command("seed_demo")
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "config"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        os.makedirs(os.path.dirname(settings.CELERY_BEAT_SCHEDULE_FILENAME), exist_ok=True)
        processes = {}
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        for name, command in commands.items():
            # Own session: the terminal's Ctrl-C reaches only this supervisor, which then
            # stops the children in order instead of racing them.
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"eCRF running at http://{addr}/ (web, worker, beat). Ctrl-C stops everything."
            )
        )
        exit_code = 0
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with status {proc.returncode}; stopping.")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.5)
        self.stdout.write("Stopping web, worker and beat...")
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)
