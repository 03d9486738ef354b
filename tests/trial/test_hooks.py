"""Calls up the floors (trial.hooks): every event has its one handler from an installed app."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from trial import hooks


@pytest.mark.parametrize("event", sorted(hooks.EVENTS))
def test_every_declared_event_is_provided_by_an_installed_app(event):
    assert callable(hooks._handlers.get(event))


def test_an_event_nobody_declared_cannot_be_provided():
    with pytest.raises(ImproperlyConfigured, match="Unknown event"):
        hooks.provide("no_such_event", print)


def test_a_second_handler_for_an_event_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already has a handler"):
        hooks.provide("query_event", print)


def test_calling_an_event_without_a_handler_fails_loudly(monkeypatch):
    monkeypatch.setattr(hooks, "_handlers", {})
    with pytest.raises(ImproperlyConfigured, match="No installed app provides"):
        hooks.call("sae_alert", ae_id=1)
