"""A site coordinator's path through the eCRF, for `bench/load_test.py`.

Each simulated user signs in as one of the seeded coordinators (password set by the
benchmark) and walks: worklist, subject list, a subject page of their site, its AE list
filter, the AE list; the `BareView` user class hits /healthz (no database) as the ceiling.
`Investigator` (BENCH_INVESTIGATORS of them, with `--investigators`) signs in as a seeded
investigator and walks the review queue, My tasks and subject pages: the pages that held
the workers beside the coordinators (issue 22). Its requests are named "investigator: ...".
"""

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-load-2026")
USERNAMES = os.environ.get("BENCH_USERS", "").split(",")
INVESTIGATORS = os.environ.get("BENCH_INVESTIGATOR_USERS", "").split(",")
SUBJECT_LINK = re.compile(r'href="/subjects/(\d+)/"')


def sign_in(user: HttpUser, username: str, prefix: str = "") -> list[str]:
    """Sign in as `username`; the subject ids of the first page of their subject list."""
    page = user.client.get("/accounts/login/", name=f"{prefix}login page")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    user.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        name=f"{prefix}sign in",
    )
    listing = user.client.get("/subjects/", name=f"{prefix}subject list")
    return SUBJECT_LINK.findall(listing.text) or ["0"]


class Coordinator(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.subject_ids = sign_in(self, random.choice(USERNAMES))

    @task(5)
    def subject_page(self):
        self.client.get(f"/subjects/{random.choice(self.subject_ids)}/", name="subject page")

    @task(3)
    def ae_list(self):
        self.client.get("/adverse-events/", name="AE list")

    @task(2)
    def worklist(self):
        self.client.get("/worklist/", name="worklist")

    @task(1)
    def subject_list(self):
        self.client.get("/subjects/", name="subject list")


class BareView(HttpUser):
    # A couple of users alongside the coordinators: the ceiling measured in the same run.
    fixed_count = 2
    wait_time = between(0.5, 1.5)

    @task
    def healthz(self):
        self.client.get("/healthz", name="bare view (/healthz)")


class Investigator(HttpUser):
    # Only run when named on locust's command line (load_test.py --investigators N).
    fixed_count = max(1, int(os.environ.get("BENCH_INVESTIGATORS", "1")))
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.subject_ids = sign_in(self, random.choice(INVESTIGATORS), "investigator: ")

    @task(3)
    def review_queue(self):
        self.client.get("/review/queue/", name="investigator: review queue")

    @task(2)
    def my_tasks(self):
        self.client.get("/tasks/", name="investigator: my tasks")

    @task(3)
    def subject_page(self):
        subject = random.choice(self.subject_ids)
        self.client.get(f"/subjects/{subject}/", name="investigator: subject page")
