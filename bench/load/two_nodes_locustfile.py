"""The coordinators of locustfile.py, spread over several web nodes (BENCH_HOSTS, comma
separated) as a round-robin load balancer without sticky sessions would: each user signs in
on one node and every request of theirs then goes to the next node."""

import itertools
import os

import locustfile as one_node  # the module, not its classes: locust would run those too

HOSTS = [h for h in os.environ.get("BENCH_HOSTS", "").split(",") if h]
_next_host = itertools.count()


class Coordinator(one_node.Coordinator):
    def on_start(self):
        self._hosts = itertools.cycle(HOSTS[next(_next_host) % len(HOSTS) :] + HOSTS)
        self.client.base_url = next(self._hosts)
        super().on_start()
        original = self.client.request

        def request(method, url, *args, **kwargs):
            # Every request to the next node: the session must hold on any of them.
            self.client.base_url = next(self._hosts)
            return original(method, url, *args, **kwargs)

        self.client.request = request
