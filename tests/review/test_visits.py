"""The visit's own writes (review.visits): performed on a date, missed with a reason, and
the window a performed date falls in."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from review.visits import visit_complete, visit_mark_missed
from tests.dosing.factories import C2D1_TARGET, dosed_subject, enrolled_subject, visit_of
from tests.refusals import field_errors
from tests.screening.factories import PLANNED_C1D1
from trial.schedule import VisitStatus

pytestmark = pytest.mark.django_db

# C1D8: day 8, window +-1 day (studies/il22bp_lnp.toml), for a C1D1 given on PLANNED_C1D1.
C1D8_TARGET = PLANNED_C1D1 + timedelta(days=7)
C1D8_OPENS = C1D8_TARGET - timedelta(days=1)
C1D8_CLOSES = C1D8_TARGET + timedelta(days=1)


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    """Enrolled at DL1, C1D1 planned on PLANNED_C1D1, not dosed yet."""
    return enrolled_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    """On treatment: C1D1 given as planned on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


def _complete(subject, user):
    visit_complete(visit=visit_of(subject, "C1D8"), by=user, on=C1D8_TARGET, today=C1D8_TARGET)


def _missed(subject, user):
    visit_mark_missed(visit=visit_of(subject, "C1D8"), by=user, reason="Patient unwell")


@pytest.mark.parametrize("service", [_complete, _missed], ids=["performed", "missed"])
@pytest.mark.parametrize("who", ["coordinator_b", "monitor"])
def test_other_site_staff_and_monitors_are_refused(dosed, service, who, request):
    """Another site's coordinator and a monitor (who reads every site) may not write visits."""
    before = list(dosed.visits.values_list("code", "completed_on", "missed_reason"))

    with pytest.raises(PermissionDenied):
        service(dosed, request.getfixturevalue(who))

    assert list(dosed.visits.values_list("code", "completed_on", "missed_reason")) == before


def test_visit_performed_is_recorded(dosed, coordinator_a):
    visit = visit_complete(
        visit=visit_of(dosed, "C1D8"), by=coordinator_a, on=C1D8_TARGET, today=C1D8_TARGET
    )

    assert visit_of(dosed, "C1D8").completed_on == C1D8_TARGET
    assert visit.status_on(C1D8_TARGET) == VisitStatus.COMPLETED


def test_dosing_visit_is_not_completed_without_its_dosing_form(dosed, coordinator_a):
    with pytest.raises(ValidationError, match="completed by its dosing form"):
        visit_complete(
            visit=visit_of(dosed, "C2D1"), by=coordinator_a, on=C2D1_TARGET, today=C2D1_TARGET
        )


def test_visit_performed_in_the_future_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        visit_complete(
            visit=visit_of(dosed, "C1D8"), by=coordinator_a, on=C1D8_TARGET, today=C1D8_OPENS
        )

    assert field_errors(excinfo) == {
        "completed_on": [f"Visit date {C1D8_TARGET} is in the future."]
    }
    assert visit_of(dosed, "C1D8").completed_on is None


def test_visit_performed_before_the_first_dose_is_refused(dosed, coordinator_a):
    on = PLANNED_C1D1 - timedelta(days=1)
    with pytest.raises(ValidationError, match="before C1D1"):
        visit_complete(visit=visit_of(dosed, "C1D2"), by=coordinator_a, on=on, today=C1D8_TARGET)


def test_visit_performed_before_any_dose_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError, match="Record the C1D1 dose before later visits"):
        visit_complete(
            visit=visit_of(subject, "C1D8"), by=coordinator_a, on=C1D8_TARGET, today=C1D8_TARGET
        )


@pytest.mark.parametrize("reason", ["", "  "], ids=["empty", "blank"])
def test_missed_visit_needs_a_reason(dosed, coordinator_a, reason):
    with pytest.raises(ValidationError) as excinfo:
        visit_mark_missed(visit=visit_of(dosed, "C1D8"), by=coordinator_a, reason=reason)

    assert field_errors(excinfo) == {"reason": ["Give the reason the visit was missed."]}
    assert visit_of(dosed, "C1D8").missed_reason == ""


def test_missed_visit_is_recorded_with_its_reason(dosed, coordinator_a):
    visit_mark_missed(visit=visit_of(dosed, "C1D8"), by=coordinator_a, reason=" Hospitalised ")

    visit = visit_of(dosed, "C1D8")
    assert visit.missed_reason == "Hospitalised"
    # A recorded miss stands even while the window is still open.
    assert visit.status_on(C1D8_OPENS) == VisitStatus.MISSED


def test_performed_visit_cannot_be_marked_missed(dosed, coordinator_a):
    _complete(dosed, coordinator_a)

    with pytest.raises(ValidationError, match=f"C1D8 was performed on {C1D8_TARGET}"):
        visit_mark_missed(visit=visit_of(dosed, "C1D8"), by=coordinator_a, reason="Mistake")

    assert visit_of(dosed, "C1D8").missed_reason == ""


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(C1D8_OPENS - timedelta(days=1), VisitStatus.UPCOMING, id="day-before-opens"),
        pytest.param(C1D8_OPENS, VisitStatus.DUE, id="opens"),
        pytest.param(C1D8_TARGET, VisitStatus.DUE, id="target"),
        pytest.param(C1D8_CLOSES, VisitStatus.DUE, id="closes"),
        pytest.param(C1D8_CLOSES + timedelta(days=1), VisitStatus.MISSED, id="day-after-closes"),
    ],
)
def test_window_status_at_the_edges_of_the_c1d8_window(dosed, today, expected):
    visit = visit_of(dosed, "C1D8")
    assert (visit.window_opens_on, visit.window_closes_on) == (C1D8_OPENS, C1D8_CLOSES)

    assert visit.status_on(today) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(
            C1D8_OPENS - timedelta(days=1), VisitStatus.COMPLETED_OUT_OF_WINDOW, id="early"
        ),
        pytest.param(C1D8_OPENS, VisitStatus.COMPLETED, id="day-window-opens"),
        pytest.param(C1D8_CLOSES, VisitStatus.COMPLETED, id="day-window-closes"),
        pytest.param(
            C1D8_CLOSES + timedelta(days=1), VisitStatus.COMPLETED_OUT_OF_WINDOW, id="late"
        ),
    ],
)
def test_visit_performed_inside_or_outside_its_window(dosed, coordinator_a, on, expected):
    visit_complete(visit=visit_of(dosed, "C1D8"), by=coordinator_a, on=on, today=on)

    visit = visit_of(dosed, "C1D8")
    assert visit.status_on(on) == expected
    assert visit.status_on(C2D1_TARGET) == expected
