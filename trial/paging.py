"""One page of a list, so that a list page costs the same whatever the size of the trial.

Django's Paginator counts the rows in one COUNT query (cached for the page), then reads one
page with LIMIT/OFFSET; the ordering must be total (end on a unique column) so that a row is
never shown on two pages nor on none.
"""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def page_of(request, items, *, per_page: int | None = None, param: str = "page") -> Page:
    """The requested page of `items` (the last page for a number past the end, the first
    for anything that is not a number); PAGE_SIZE rows unless `per_page`."""
    return Paginator(items, per_page or PAGE_SIZE).get_page(request.GET.get(param))


def query_string_without(params, *names: str) -> str:
    """The current filters as a query string, for the pagination links."""
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()
