"""When the database goes away during a save: an explanation, and the user's input kept.

The save's transaction is rolled back by PostgreSQL, so nothing is half-saved. This
middleware turns the error into a 503 page that carries the submitted values in a form that
posts them again to the same address, so nothing typed is lost.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

log = logging.getLogger("ecrf.database")
NOT_REPOSTED = {"csrfmiddlewaretoken", "password"}


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error(
            "database unavailable during %s %s: %s",
            request.method,
            request.path,
            exception.__class__.__name__,
        )
        fields = []
        if request.method == "POST":
            fields = [
                (name, value)
                for name, values in request.POST.lists()
                if name not in NOT_REPOSTED
                for value in values
            ]
        return render(
            request,
            "503_database.html",
            {"fields": fields, "action": request.get_full_path(), "method": request.method},
            status=503,
        )
