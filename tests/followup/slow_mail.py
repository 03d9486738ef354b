"""An email backend for the crash test: waits before writing each message to a file, so the
worker can be killed in the middle of a send."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "3")))
        return super().send_messages(email_messages)
