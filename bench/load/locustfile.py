"""A site coordinator's path through the eCRF, for `bench/load_test.py`.

Each simulated user signs in as one of the seeded coordinators (password set by the
benchmark) and walks: worklist, subject list, a subject page of their site, its AE list
filter, the AE list; the `BareView` user class hits /healthz (no database) as the ceiling.
"""

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-load-2026")
USERNAMES = os.environ.get("BENCH_USERS", "").split(",")
SUBJECT_LINK = re.compile(r'href="/subjects/(\d+)/"')


class Coordinator(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        username = random.choice(USERNAMES)
        page = self.client.get("/accounts/login/", name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="sign in",
        )
        listing = self.client.get("/subjects/", name="subject list")
        self.subject_ids = SUBJECT_LINK.findall(listing.text) or ["0"]

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
