"""The permission matrix (issue 10): every URL of the URL conf, as every role, on an object of
the user's own site and of another site, answers the status written here.

MATRIX is checked against `get_resolver()`: a page added without a row here fails
`test_every_url_of_the_url_conf_has_a_matrix_entry`. The columns are the roles of
`tests/trial/matrix_data.py`; the coordinator and investigator hold their role at FR01 only
("own" is an FR01 object, "other" an FR02 one), the monitor, data manager and sponsor safety
hold theirs for all sites and the administrator is a superuser, so for them both columns are
in scope. Out-of-scope objects answer 404 (trial.access: ids are not confirmed), a role that
may not act at all answers 403, an anonymous visitor is sent to sign in (302) or, on the
API, told to authenticate (401).

POST-only endpoints are posted an empty body, so nothing valid is submitted: where the role
may act, the view refuses the empty form (a 302 back with a message, or a 400 re-render);
where a service checks the role before the form, a role that may not act gets its 403. Each
case runs in its own savepoint, so a POST that does act (closing a query, source-verifying a
record: their empty body is complete) is rolled back before the next case.

Besides the status, a 200 must not show what the role may not read (MatrixData.hidden_from:
the other site's subject for a site role, the non-serious AEs for sponsor safety), and each
API list must contain exactly the objects whose detail the role may read.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.trial.matrix_data import OTHER, OWN, ROLES, app_matrices, build_matrix_data
from tests.trial.matrix_rows import (
    AE_ACTION,
    AE_PAGE,
    API,
    API_AE,
    API_BACKGROUND,
    API_OTHER_SITE,
    API_QUERY,
    API_SAE,
    AUDIT_PAGE,
    BACK,
    BACKGROUND_ACTION,
    BACKGROUND_PAGE,
    CONFIRMS_ELIGIBILITY,
    CORRECTS_SUBJECT,
    CORRECTS_SUBJECT_INVALID,
    DATA_ENTRY_PAGE,
    ENTERS_DATA,
    EVERYONE,
    EXPORT_RUN,
    EXPORTERS,
    GET,
    INVALID,
    INVALID_OTHER_SITE,
    LOCKS,
    NOBODY_FINDS,
    OTHER_SITE,
    POST,
    QUERY_ANSWER,
    QUERY_CLOSE,
    QUERY_PAGE,
    RAISES_QUERIES,
    RECIPIENT_ONLY,
    REGISTERS,
    REVIEW_QUEUE,
    SAE_ACTION,
    SAE_PAGE,
    SCREENING_VOID,
    SIGNED_IN,
    SIGNS,
    USED,
    VERIFIES,
    Check,
    holders,
    other_site,
)
from trial.capabilities import Capability

# fmt: off

MATRIX: dict[str, list[Check]] = {
    # --- sign-in and account (config/urls.py) ---------------------------------------------
    "login":                [Check("none", GET, EVERYONE)],
    "logout":               [Check("none", POST, BACK)],  # Django 5: POST only
    "password_change":      [Check("none", GET, SIGNED_IN)],
    "password_change_done": [Check("none", GET, SIGNED_IN)],
    "otp_setup":            [Check("none", GET, SIGNED_IN)],
    "otp_verify":           [Check("none", GET, SIGNED_IN)],
    # --- trial ----------------------------------------------------------------------------
    "home":           [Check("none", GET, SIGNED_IN)],
    "subject_list":   [Check("none", GET, SIGNED_IN)],
    "subject_void":    [Check("subject", GET, CORRECTS_SUBJECT, CORRECTS_SUBJECT),
                        Check("subject", POST, CORRECTS_SUBJECT_INVALID,
                              CORRECTS_SUBJECT_INVALID)],
    "subject_correct": [Check("subject", GET, CORRECTS_SUBJECT, CORRECTS_SUBJECT),
                        Check("subject", POST, CORRECTS_SUBJECT_INVALID,
                              CORRECTS_SUBJECT_INVALID)],
    "record_history": [Check("history", GET, SIGNED_IN, OTHER_SITE)],
    "study_overview": [Check("none", GET, SIGNED_IN)],
    "healthz":        [Check("none", GET, EVERYONE)],  # liveness: no session, no data
    # The idle warning's "stay signed in", and the values kept when a session ended.
    "session_keepalive":  [Check("none", POST, SIGNED_IN)],
    "form_draft_restore": [Check("none", POST, SIGNED_IN)],
    # --- screening ------------------------------------------------------------------------
    "screening_register":            [Check("none", GET, REGISTERS)],
    "screening_log":                 [Check("none", GET, SIGNED_IN)],
    "dose_escalation":               [Check("none", GET, SIGNED_IN)],
    "screening_subject":             [Check("subject", GET, SIGNED_IN, OTHER_SITE)],
    "screening_consent":             [Check("subject", POST, INVALID, INVALID_OTHER_SITE)],
    "screening_consent_void":        [Check("subject", POST, SCREENING_VOID,
                                            other_site(SCREENING_VOID))],
    "screening_eligibility_void":    [Check("subject", POST, SCREENING_VOID,
                                            other_site(SCREENING_VOID))],
    "screening_eligibility":         [Check("subject", GET, SIGNED_IN, OTHER_SITE)],
    "screening_eligibility_preview": [Check("subject", POST, SIGNED_IN, OTHER_SITE)],
    "screening_eligibility_confirm": [Check("subject", POST, CONFIRMS_ELIGIBILITY,
                                            other_site(CONFIRMS_ELIGIBILITY))],
    "screening_screen_fail":         [Check("subject", POST, INVALID, INVALID_OTHER_SITE)],
    "screening_enroll":              [Check("subject", POST, INVALID, INVALID_OTHER_SITE)],
    # --- subjects (the subject page and the worklist) -----------------------------------
    "subject_detail":      [Check("subject", GET, SIGNED_IN, OTHER_SITE)],
    "visit_complete":      [Check("visit", POST, INVALID, INVALID_OTHER_SITE)],
    "visit_missed":        [Check("visit", POST, INVALID, INVALID_OTHER_SITE)],
    "worklist":            [Check("none", GET, SIGNED_IN)],
    # --- dosing ---------------------------------------------------------------------------
    "visit_dosing":        [Check("visit", GET, SIGNED_IN, OTHER_SITE)],
    # An empty void form is sent back before the service's check (a monitor's void with a
    # reason is refused: tests/dosing/test_views.py).
    "visit_dosing_void":   [Check("visit", POST, BACK, other_site(BACK))],
    "tumour_baseline":     [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "tumour_follow_up":    [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "tumour_assessment":   [Check("tumour", GET, SIGNED_IN, OTHER_SITE)],
    "tumour_void":         [Check("tumour", POST, ENTERS_DATA, other_site(ENTERS_DATA))],
    # --- adverse events -------------------------------------------------------------------
    "ae_new":       [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "ae_list":      [Check("none", GET, SIGNED_IN)],
    "ae_detail":    [Check("ae", GET, AE_PAGE, other_site(AE_PAGE)),
                     Check("sae", GET, SAE_PAGE, other_site(SAE_PAGE))],
    "ae_causality": [Check("ae", POST, AE_ACTION, other_site(AE_ACTION))],
    "ae_dlt":       [Check("ae", POST, AE_ACTION, other_site(AE_ACTION))],
    "ae_sign":      [Check("sae", POST, SAE_ACTION, other_site(SAE_ACTION))],
    "ae_void":      [Check("ae", POST, AE_ACTION, other_site(AE_ACTION))],
    "sae_list":     [Check("none", GET, SIGNED_IN)],
    "ctcae_grades": [Check("none", GET, SIGNED_IN)],
    "ctcae_search": [Check("none", GET, SIGNED_IN)],
    # --- medical history ------------------------------------------------------------------
    "medical_history_list":   [Check("subject", GET, BACKGROUND_PAGE, other_site(BACKGROUND_PAGE))],
    "medical_history_new":    [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "medical_history_detail": [Check("medical_history", GET, BACKGROUND_PAGE,
                                     other_site(BACKGROUND_PAGE))],
    "medical_history_void":   [Check("medical_history", POST, BACKGROUND_ACTION,
                                     other_site(BACKGROUND_ACTION))],
    # --- local labs: a visit CRF, read by every role of the site --------------------------
    "visit_labs":        [Check("visit", GET, SIGNED_IN, OTHER_SITE)],
    "lab_result_detail": [Check("lab_result", GET, SIGNED_IN, OTHER_SITE)],
    "lab_result_void":   [Check("lab_result", POST, INVALID, INVALID_OTHER_SITE)],
    "site_lab_ranges":   [Check("site", GET, SIGNED_IN, OTHER_SITE),
                          Check("site", POST, holders(Capability.ENTER_DATA, 400),
                                other_site(holders(Capability.ENTER_DATA, 400)))],
    # --- follow-up ------------------------------------------------------------------------
    "my_tasks":           [Check("none", GET, SIGNED_IN)],
    "notifications":      [Check("none", GET, SIGNED_IN)],
    "notifications_read": [Check("none", POST, BACK)],
    "notification_open":  [Check("notification", GET, RECIPIENT_ONLY, NOBODY_FINDS)],
    # --- review (records: the C1D1 dosing CRF) --------------------------------------------
    "review_queue":   [Check("none", GET, REVIEW_QUEUE)],
    "subject_matrix": [Check("none", GET, SIGNED_IN)],  # scoped: hidden_from is checked
    "query_list":     [Check("none", GET, SIGNED_IN)],
    "query_detail":   [Check("query", GET, QUERY_PAGE, other_site(QUERY_PAGE))],
    "query_answer":   [Check("query", POST, QUERY_ANSWER, other_site(QUERY_ANSWER))],
    "query_close":    [Check("query", POST, QUERY_CLOSE, other_site(QUERY_CLOSE))],
    "query_reopen":   [Check("query", POST, QUERY_CLOSE, other_site(QUERY_CLOSE))],
    "record_sign":    [Check("record", POST, SIGNS, other_site(SIGNS))],
    "record_lock":    [Check("record", POST, LOCKS, other_site(LOCKS))],
    "record_unlock":  [Check("record", POST, LOCKS, other_site(LOCKS))],
    "record_verify":  [Check("record", POST, VERIFIES, other_site(VERIFIES))],
    "query_raise":    [Check("record", POST, RAISES_QUERIES, other_site(RAISES_QUERIES))],
    "subject_lock":   [Check("subject", POST, LOCKS, other_site(LOCKS))],
    "subject_unlock": [Check("subject", POST, LOCKS, other_site(LOCKS))],
    "subject_audit":  [Check("subject", GET, AUDIT_PAGE, other_site(AUDIT_PAGE))],
    # --- exports --------------------------------------------------------------------------
    "export_page":       [Check("none", GET, EXPORTERS)],
    "export_run":        [Check("export_run", GET, EXPORT_RUN, EXPORT_RUN)],
    "export_run_status": [Check("export_run", GET, EXPORT_RUN, EXPORT_RUN)],
    "export_download":   [Check("export_run", GET, EXPORT_RUN, EXPORT_RUN)],
    # --- the API (lists are also checked for what they contain, against the details) -----
    "api-schema":                   [Check("none", GET, API)],
    "api-docs":                     [Check("none", GET, SIGNED_IN)],
    "api_tokens":                   [Check("none", GET, SIGNED_IN), Check("none", POST, SIGNED_IN)],
    "api_token_revoke":             [Check("none", POST, BACK)],
    "api-subject-list":             [Check("none", GET, API)],
    "api-subject-detail":           [Check("subject", GET, API, API_OTHER_SITE)],
    "api-visit-list":               [Check("none", GET, API)],
    "api-visit-detail":             [Check("visit", GET, API, API_OTHER_SITE)],
    "api-eligibility-list":         [Check("none", GET, API)],
    "api-eligibility-detail":       [Check("eligibility", GET, API, API_OTHER_SITE)],
    "api-dosing-record-list":       [Check("none", GET, API)],
    "api-dosing-record-detail":     [Check("dose", GET, API, API_OTHER_SITE)],
    "api-tumour-assessment-list":   [Check("none", GET, API)],
    "api-tumour-assessment-detail": [Check("tumour", GET, API, API_OTHER_SITE)],
    "api-adverse-event-list":       [Check("none", GET, API)],
    "api-adverse-event-detail":     [Check("ae", GET, API_AE, other_site(API_AE)),
                                     Check("sae", GET, API_SAE, other_site(API_SAE))],
    "api-query-list":               [Check("none", GET, API)],
    "api-query-detail":             [Check("query", GET, API_QUERY, other_site(API_QUERY))],
    "api-medical-history-list":     [Check("none", GET, API)],
    "api-medical-history-detail":   [Check("medical_history", GET, API_BACKGROUND,
                                           other_site(API_BACKGROUND))],
    # --- dashboards -----------------------------------------------------------------------
    "dashboard_overview": [Check("none", GET, SIGNED_IN)],
    "dashboard_safety":   [Check("none", GET, SIGNED_IN)],
    "dashboard_oncology": [Check("none", GET, SIGNED_IN)],
    "dashboard_download": [Check("chart", GET, SIGNED_IN)],
}
# fmt: on

# The rows each CRF app writes for its own pages (tests/<app>/matrix.py).
for _module in app_matrices():
    _twice = set(MATRIX) & set(_module.ROWS)
    assert not _twice, f"{_module.__name__}: rows for {sorted(_twice)} are written twice"
    MATRIX.update(_module.ROWS)

# --- the URL conf -----------------------------------------------------------------------------


def _is_format_suffix_duplicate(pattern: URLPattern) -> bool:
    """DRF's format_suffix_patterns repeats each API route with `.<format>` under its name."""
    return "format" in pattern.pattern.regex.groupindex


def url_conf_routes() -> dict[str, str]:
    """Every named URL of the project (the admin site and DRF's `.json` twins left out), with
    its route; an unnamed pattern is listed under "<unnamed>" so it cannot slip through."""
    routes: dict[str, str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif not _is_format_suffix_duplicate(pattern):
                route = prefix + str(pattern.pattern)
                routes[pattern.name or f"<unnamed> {route}"] = route

    walk(get_resolver().url_patterns, "")
    return routes


def _url_params(name: str) -> tuple[str, ...]:
    """The keyword arguments of URL `name` (of its route without a format suffix)."""
    for possibilities, *_rest in get_resolver().reverse_dict.getlist(name):
        for _format, params in possibilities:
            if "format" not in params:
                return tuple(params)
    raise LookupError(name)


def test_every_url_of_the_url_conf_has_a_matrix_entry():
    routes = url_conf_routes()
    missing = {name: route for name, route in routes.items() if name not in MATRIX}
    assert not missing, f"URLs without a permission matrix entry: {missing}"


def test_every_matrix_entry_is_a_url_of_the_url_conf():
    stale = sorted(set(MATRIX) - set(url_conf_routes()))
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


# --- the matrix -------------------------------------------------------------------------------


def _list_bugs(name: str) -> dict[str, str]:
    """An API list shows what its detail shows: a role's detail bug is its list's bug too."""
    if not name.endswith("-list"):
        return {}
    detail = MATRIX.get(name.removesuffix("-list") + "-detail", [])
    return {role: reason for check in detail for (role, _site), reason in check.bugs.items()}


def _cases():
    for name, checks in MATRIX.items():
        list_bugs = _list_bugs(name)
        for index, check in enumerate(checks):
            label = f"{name}[{check.kind}]" if len(checks) > 1 else name
            for role in ROLES:
                for site in check.sites:
                    reason = check.bugs.get((role, site)) or list_bugs.get(role)
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    yield pytest.param(
                        name, index, role, site, marks=marks, id=f"{label}-{role}-{site}"
                    )


@pytest.fixture(scope="module")
def matrix_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-var")


@pytest.fixture(scope="module")
def matrix_dataset(django_db_setup, django_db_blocker, matrix_var_dir):
    """Built once for the module inside a transaction rolled back at its end; each case runs
    in a savepoint of it (pytest-django's `db`), as tests/exports/conftest.py does."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=matrix_var_dir, PASSWORD_HASHERS=fast),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_matrix_data()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def data(matrix_dataset, db, settings, matrix_var_dir):
    settings.VAR_DIR = matrix_var_dir  # where the export runs' files are
    return matrix_dataset


def _body(response) -> str:
    """The body as text; a streamed one (a download) is read to its end, which closes it the
    way the test client expects (`response.close()` would also close the database connection,
    and with it the module's transaction)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(response.charset or "utf-8", errors="replace")


def _assert_lists_what_the_detail_shows(name, role, response, data):
    detail = name.removesuffix("-list") + "-detail"
    listed = {row["id"] for row in response.json()["results"]}
    for check in MATRIX[detail]:
        for site in (OWN, OTHER):
            obj = data.objects[check.kind][site]
            readable = check.expected(role, site) == 200
            assert (obj.pk in listed) == readable, (
                f"{name} as {role}: {check.kind} of the {site} site "
                f"{'missing from' if readable else 'listed in'} the list"
            )


@pytest.mark.parametrize(("name", "index", "role", "site"), list(_cases()))
def test_each_role_gets_the_matrix_status_and_only_its_scope(client, data, name, index, role, site):
    check = MATRIX[name][index]
    url = reverse(name, kwargs=data.url_kwargs(check.kind, site, _url_params(name)))
    if role != "anonymous":
        client.force_login(data.users[role])
    response = client.get(url) if check.method == GET else client.post(url, {})
    body = _body(response)
    expected = check.expected(role, site)
    assert response.status_code == expected, (
        f"{check.method} {url} as {role}: {response.status_code}, expected {expected}"
    )
    if response.status_code != 200:
        return
    shown = [marker for marker in data.hidden_from(role) if marker in body]
    assert not shown, f"{check.method} {url} as {role} shows {shown}, which {role} may not read"
    if name.startswith("api-") and name.endswith("-list"):
        _assert_lists_what_the_detail_shows(name, role, response, data)


# Capabilities that no status of the matrix shows, and where each is proved instead.
NOT_IN_THE_MATRIX = {
    Capability.ASSESS_AE: "an empty causality or DLT form is refused before the service: "
    "tests/adverse_events/test_services.py",
    Capability.CLOSE_OWN_QUERY: "the matrix's query was raised by the monitor: "
    "tests/review/test_services.py",
    Capability.EDIT_SUBJECT: "a service's rule (the page is correct_subject's): "
    "tests/trial/test_services.py",
    Capability.VOID_SUBJECT: "a service's rule (the page is correct_subject's): "
    "tests/trial/test_services.py",
    Capability.ADMINISTER: "the admin site is outside the matrix; heartbeats and the menu: "
    "tests/trial/test_views.py",
}


def test_every_capability_is_read_by_a_matrix_row_or_says_where_it_is_proved():
    unread = set(Capability) - USED - set(NOT_IN_THE_MATRIX)
    assert not unread, f"Capabilities no matrix row reads: {sorted(unread)}"
    assert not USED & set(NOT_IN_THE_MATRIX), "listed as not in the matrix, yet read by a row"
