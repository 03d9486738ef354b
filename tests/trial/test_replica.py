"""The read replica's rule: a read that may have to see the user's own write goes to the
primary (trial/replica.py)."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests.trial.test_settings import _run
from trial.replica import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    ReplicaPinningMiddleware,
    ReplicaRouter,
    parse_pin,
    pinned_to_primary,
    read_database,
    replica_reads,
)

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("method", "pinned_until", "pinned"),
    [
        ("GET", None, False),
        ("HEAD", None, False),
        ("POST", None, True),  # the request that writes reads its own write
        ("PUT", None, True),
        ("DELETE", None, True),
        ("GET", NOW + 0.001, True),  # a write a moment ago
        ("GET", NOW, False),  # the pin ends at exactly its time
        ("GET", NOW - 1, False),
        ("post", NOW - 1, True),
    ],
)
def test_a_user_who_just_wrote_reads_the_primary(method, pinned_until, pinned):
    assert pinned_to_primary(method=method, pinned_until=pinned_until, now=NOW) is pinned


@pytest.mark.parametrize(
    ("configured", "allowed", "pinned", "in_transaction", "alias"),
    [
        (True, True, False, False, REPLICA),
        (False, True, False, False, PRIMARY),  # no replica configured
        (True, False, False, False, PRIMARY),  # the view did not ask for the replica
        (True, True, True, False, PRIMARY),  # pinned by a recent write
        (True, True, False, True, PRIMARY),  # inside a transaction that may have written
    ],
)
def test_reads_go_to_the_replica_only_when_nothing_says_otherwise(
    configured, allowed, pinned, in_transaction, alias
):
    assert (
        read_database(
            replica_configured=configured,
            allowed=allowed,
            pinned=pinned,
            in_transaction=in_transaction,
        )
        == alias
    )


@pytest.mark.parametrize(
    ("value", "parsed"), [(None, None), ("", None), ("x", None), ("12.5", 12.5)]
)
def test_a_bad_pin_cookie_is_no_pin(value, parsed):
    assert parse_pin(value) == parsed


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = settings.DATABASES | {"replica": dict(settings.DATABASES["default"])}
    settings.REPLICA_PIN_SECONDS = 15


def _app():
    """The middleware in front of a view that asked for the replica; records each read."""
    seen = []

    @replica_reads
    def view(request):
        seen.append(ReplicaRouter().db_for_read(None))
        return HttpResponse("ok")

    return ReplicaPinningMiddleware(view), seen


def test_the_request_after_a_write_reads_the_primary_on_any_node(with_replica):
    factory = RequestFactory()
    node_a, seen_a = _app()
    node_b, seen_b = _app()
    assert node_b(factory.get("/dashboards/")).cookies.get(PIN_COOKIE) is None
    response = node_a(factory.post("/subjects/1/visit/"))
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 15 and pin["httponly"]
    follow = factory.get("/dashboards/")
    follow.COOKIES[PIN_COOKIE] = pin.value  # the browser sends it to whichever node
    node_b(follow)
    stale = factory.get("/dashboards/")
    stale.COOKIES[PIN_COOKIE] = str(float(pin.value) - 16)  # the pin is over
    node_b(stale)
    assert seen_a == [PRIMARY]
    assert seen_b == [REPLICA, PRIMARY, REPLICA]


def test_reads_outside_a_replica_view_go_to_the_primary(with_replica):
    assert ReplicaRouter().db_for_read(None) == PRIMARY
    assert ReplicaRouter().db_for_write(None) == PRIMARY
    assert ReplicaRouter().allow_migrate(REPLICA, "trial") is False


def test_without_a_replica_no_pin_cookie_is_set():
    response = ReplicaPinningMiddleware(lambda request: HttpResponse("ok"))(
        RequestFactory().post("/")
    )
    assert PIN_COOKIE not in response.cookies


PRINT_DATABASES = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({a: [d['HOST'], d.get('TEST', {}).get('MIRROR')] "
    "for a, d in settings.DATABASES.items()}))"
)


def test_replica_url_adds_a_replica_mirrored_in_the_tests():
    result = _run(
        PRINT_DATABASES,
        DATABASE_URL="postgresql://u@primary.example/x",
        DATABASE_REPLICA_URL="postgresql://u@replica.example/x",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "default": ["primary.example", None],
        "replica": ["replica.example", "default"],
    }


def test_dashboards_ask_for_the_replica():
    from dashboards import views

    for view in (views.overview, views.safety, views.oncology, views.download):
        assert getattr(view, "reads_replica", False), view
