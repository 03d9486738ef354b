"""The study this installation runs: one per database, loaded from the study file.

Every reader asks `current_study()`; nothing else calls `Study.objects.get()` or `.first()`.
Inside a request the row is read once (`CurrentStudyMiddleware` opens a cache for the
request's duration); outside one (tasks, commands, tests) every call reads the database, so a
study re-loaded in between is never served stale.
"""

import logging
from contextvars import ContextVar

from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

from trial.models import Study

log = logging.getLogger("ecrf.study")
NOT_LOADED = "No study is loaded: run `manage.py load_study` with the study file first."

# The request's cache: None outside a request; a dict holding "study" once read.
_request_cache: ContextVar[dict | None] = ContextVar("current_study_cache", default=None)


class CurrentStudyError(ImproperlyConfigured):
    """The database does not hold exactly one study."""


class StudyNotLoaded(CurrentStudyError):
    """No study: the study file was never loaded."""


class MoreThanOneStudy(CurrentStudyError):
    """Two study files were loaded into one database."""


def _load() -> Study:
    studies = list(Study.objects.order_by("pk")[:2])
    if not studies:
        raise StudyNotLoaded(NOT_LOADED)
    if len(studies) > 1:
        raise MoreThanOneStudy(
            f"More than one study is loaded ({', '.join(s.protocol_number for s in studies)}"
            "...): this installation runs one study; remove the extra one with a database "
            "administrator before going on."
        )
    return studies[0]


def current_study() -> Study:
    """The study; a CurrentStudyError saying what to do when there is none or more than one."""
    cache = _request_cache.get()
    if cache is None:
        return _load()
    if "study" not in cache:
        cache["study"] = _load()
    return cache["study"]


def product_name() -> str:
    """The study drug's name from the study file ([study] product), for labels and texts."""
    return current_study().product


def current_study_or_none() -> Study | None:
    """For the few pages that render before any study is loaded (home, the page frame)."""
    try:
        return current_study()
    except StudyNotLoaded:
        return None


class CurrentStudyMiddleware:
    """One study read per request; a page that needs the study says plainly it is not loaded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            _request_cache.reset(token)

    def process_exception(self, request, exception):
        if not isinstance(exception, CurrentStudyError):
            return None
        log.error("%s %s: %s", request.method, request.path, exception)
        return render(request, "503_study.html", {"message": str(exception)}, status=503)
