"""Refuse input that no CRF field can hold, before any view sees it.

PostgreSQL text cannot contain the NUL character: a NUL in any query parameter, form field
or path used to reach the database and end in a 500 (the CTCAE search, the AE term). One
guard for every page and the API answers 400 with the name of the field instead.
"""

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

NUL = "\x00"


def nul_fields(request) -> list[str]:
    """Names of the request's parameters (query string, form body, path) holding a NUL."""
    names = []
    if NUL in request.path:
        names.append("the address")
    for where in (request.GET, request.POST):
        for name, values in where.lists():
            if NUL in name or any(NUL in value for value in values):
                names.append(name.replace(NUL, "\\x00"))
    return names


class RejectNulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = nul_fields(request)
        if fields:
            message = (
                f"{', '.join(sorted(set(fields)))}: contains a NUL character (\\x00), which no "
                "field accepts. Remove it (it usually comes from a copy and paste) and try again."
            )
            if request.path.startswith("/api/"):
                # The API answers its errors as JSON ({"detail": ...}), as DRF does.
                return JsonResponse({"detail": message}, status=400)
            body = render_to_string("400_input.html", {"message": message}, request=request)
            return HttpResponseBadRequest(body)
        return self.get_response(request)
