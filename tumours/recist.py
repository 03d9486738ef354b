"""RECIST 1.1 tumour response as pure functions (Eisenhauer et al., Eur J Cancer 2009;45:228).

``validate_baseline`` checks the choice of target lesions, ``overall_response`` gives the
time-point response of one follow-up assessment (target lesions, non-target lesions and new
lesions combined by RECIST 1.1 Table 1) with the sums and percentages behind it, and
``best_overall_response`` gives a subject's best response without confirmation, as a phase I
study reports it. No ORM and no clock: the caller passes the assessments and the first dose.

Diameters are in mm: the longest diameter of a non-nodal lesion, the short axis of a lymph
node. A lesion that has disappeared is recorded as 0; a node keeps its short axis (< 10 mm is
normal), so the sum of a complete response may be above 0 (RECIST 1.1, notes on lymph nodes).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# RECIST 1.1, baseline documentation of target lesions and measurability (CT slices <= 5 mm).
MAX_TARGET_LESIONS = 5
MAX_TARGET_LESIONS_PER_ORGAN = 2
MIN_MEASURABLE_LESION_MM = Decimal(10)
MIN_MEASURABLE_NODE_MM = Decimal(15)
# RECIST 1.1, measurability: a node with a short axis < 10 mm is non-pathological.
NORMAL_NODE_BELOW_MM = Decimal(10)
# RECIST 1.1, evaluation of target lesions: PR is a 30% decrease from baseline; PD a 20%
# increase from the nadir that is also an absolute increase of at least 5 mm.
PR_DECREASE = Decimal("0.30")
PD_INCREASE = Decimal("0.20")
PD_MIN_INCREASE_MM = Decimal(5)
# RECIST 1.1, best overall response: SD must have been met at least once "a minimum interval
# (in general not less than 6-8 weeks)" after study entry; the protocol sets it.
MIN_SD_DAYS = 42

# The EORTC RECIST FAQ ("paired organs", "two target lesions"): all lymph nodes, whatever
# the chain, are one organ for the two-per-organ rule.
_LYMPH_NODES = "lymph nodes"
_PERCENT_STEP = Decimal("0.1")


@dataclass(frozen=True)
class TargetLesion:
    """One target lesion at one assessment; ``diameter_mm`` None: not evaluable (NE) then."""

    lesion_id: str
    organ: str
    is_lymph_node: bool
    diameter_mm: Decimal | None

    def __post_init__(self) -> None:
        if self.diameter_mm is not None and self.diameter_mm < 0:
            raise ValueError(
                f"lesion {self.lesion_id}: a diameter cannot be negative, got {self.diameter_mm}"
            )


class NonTargetStatus(StrEnum):
    CR = "cr"  # all non-target lesions gone, every node < 10 mm
    NON_CR_NON_PD = "non_cr_non_pd"
    PD = "pd"  # unequivocal progression of the non-target disease
    NE = "ne"
    NOT_PRESENT = "not_present"  # no non-target lesions at baseline


class NonTargetLesionState(StrEnum):
    """One non-target lesion at one follow-up (RECIST 1.1, 4.3.2)."""

    PRESENT = "present"
    ABSENT = "absent"  # gone; a node is absent once its short axis is < 10 mm
    PROGRESSION = "unequivocal_progression"
    NOT_EVALUATED = "not_evaluated"


def non_target_response(
    states: Sequence[NonTargetLesionState | str],
) -> tuple[NonTargetStatus, str]:
    """The non-target response of one time point from its lesions' states, with the reason.

    RECIST 1.1, 4.3.2 and Table 1: unequivocal progression of any lesion is PD; otherwise a
    lesion not evaluated makes the response "not all evaluated" (NE), as a missing target
    lesion does; otherwise one lesion still present is non-CR/non-PD, and all gone is CR.
    No lesion: there were none at baseline.
    """
    states = [NonTargetLesionState(state) for state in states]
    if not states:
        return NonTargetStatus.NOT_PRESENT, "no non-target lesions at baseline"
    counts = {state: states.count(state) for state in NonTargetLesionState}
    of = f"of {len(states)}"
    if counts[NonTargetLesionState.PROGRESSION]:
        return NonTargetStatus.PD, (
            f"{counts[NonTargetLesionState.PROGRESSION]} {of} in unequivocal progression"
        )
    if counts[NonTargetLesionState.NOT_EVALUATED]:
        return NonTargetStatus.NE, (
            f"{counts[NonTargetLesionState.NOT_EVALUATED]} {of} not evaluated, none progressing"
        )
    if counts[NonTargetLesionState.PRESENT]:
        return NonTargetStatus.NON_CR_NON_PD, (
            f"{counts[NonTargetLesionState.PRESENT]} {of} present, none progressing"
        )
    return NonTargetStatus.CR, f"all {len(states)} gone (nodes < 10 mm short axis)"


@dataclass(frozen=True)
class NewLesion:
    """A new lesion seen at one follow-up; an equivocal one is not yet progression."""

    lesion_id: str
    equivocal: bool


def new_lesion_findings(
    time_points: Sequence[tuple[date, Sequence[NewLesion] | None]],
) -> dict[date, tuple[bool | None, str]]:
    """Per time point: whether its new lesions are progression, with the reason.

    ``time_points`` are the follow-ups of one subject with their new lesions (None: new
    lesions not assessed). RECIST 1.1, 4.3.2 (new lesions): an unequivocal new lesion is
    progression; an equivocal one is not, until a later scan shows the same lesion
    unequivocally, and then progression dates from the scan that first showed it. A
    lesion is the same when it carries the same ``lesion_id``.
    """
    confirmed_on: dict[str, date] = {}
    for day, lesions in time_points:
        for lesion in lesions or ():
            if not lesion.equivocal and lesion.lesion_id not in confirmed_on:
                confirmed_on[lesion.lesion_id] = day
    findings: dict[date, tuple[bool | None, str]] = {}
    for day, lesions in sorted(time_points, key=lambda point: point[0]):
        if lesions is None:
            findings[day] = (None, "not assessed")
            continue
        unequivocal = [n.lesion_id for n in lesions if not n.equivocal]
        # The same lesion shown unequivocally on another scan (earlier or later) confirms it.
        confirmed = [
            f"{n.lesion_id} (confirmed {confirmed_on[n.lesion_id].isoformat()})"
            for n in lesions
            if n.equivocal and n.lesion_id in confirmed_on
        ]
        waiting = [n.lesion_id for n in lesions if n.equivocal and n.lesion_id not in confirmed_on]
        if unequivocal or confirmed:
            findings[day] = (True, "yes, " + ", ".join(unequivocal + confirmed))
        elif waiting:
            findings[day] = (
                False,
                f"{', '.join(waiting)} equivocal: not progression unless a later scan confirms it",
            )
        else:
            findings[day] = (False, "none")
    return findings


@dataclass(frozen=True)
class Assessment:
    """One imaging assessment; ``new_lesions`` None: new lesions were not assessed."""

    assessment_date: date
    targets: tuple[TargetLesion, ...]
    non_target: NonTargetStatus
    new_lesions: bool | None
    # What the findings say when they come from the lesions (non_target_response,
    # new_lesion_findings); empty: the summary answer alone.
    non_target_finding: str = ""
    new_lesion_finding: str = ""


class Response(StrEnum):
    CR = "cr"
    PR = "pr"
    SD = "sd"
    PD = "pd"
    NE = "ne"


@dataclass(frozen=True)
class ResponseResult:
    """The overall response at one assessment, with the figures and the reasons behind it.

    ``sum_mm`` is None when a target lesion is not evaluable; the percentages are None when
    their reference sum is 0 or unknown. ``reasons`` give the target, non-target and new-lesion
    findings, then how they combine.
    """

    response: Response
    sum_mm: Decimal | None
    change_from_baseline_pct: Decimal | None
    change_from_nadir_pct: Decimal | None
    nadir_mm: Decimal | None
    reasons: tuple[str, ...]


def validate_baseline(targets: Iterable[TargetLesion]) -> list[str]:
    """The RECIST 1.1 rules the baseline choice of target lesions breaks, in words (none: [])."""
    targets = tuple(targets)
    messages: list[str] = []

    seen: dict[str, int] = {}
    for lesion in targets:
        seen[lesion.lesion_id] = seen.get(lesion.lesion_id, 0) + 1
    for lesion_id, count in seen.items():
        if count > 1:
            messages.append(
                f"lesion id {lesion_id} is used by {count} target lesions: "
                "each target lesion needs its own id"
            )

    for lesion in targets:
        name = f"lesion {lesion.lesion_id} ({lesion.organ or 'organ missing'})"
        if not lesion.is_lymph_node and not lesion.organ.strip():
            messages.append(
                f"lesion {lesion.lesion_id}: the organ is missing; RECIST 1.1 allows at most "
                f"{MAX_TARGET_LESIONS_PER_ORGAN} target lesions per organ"
            )
        if lesion.diameter_mm is None:
            messages.append(f"{name}: not measured; a target lesion must be measured at baseline")
        elif lesion.is_lymph_node and lesion.diameter_mm < MIN_MEASURABLE_NODE_MM:
            # RECIST 1.1, measurability: nodes of 10 to < 15 mm are pathological but
            # non-measurable, so they are followed as non-target lesions.
            messages.append(
                f"{name}: short axis {_mm(lesion.diameter_mm)} mm is below the "
                f"{_mm(MIN_MEASURABLE_NODE_MM)} mm RECIST 1.1 needs for a measurable lymph node "
                "(follow it as a non-target lesion)"
            )
        elif not lesion.is_lymph_node and lesion.diameter_mm < MIN_MEASURABLE_LESION_MM:
            messages.append(
                f"{name}: longest diameter {_mm(lesion.diameter_mm)} mm is below the "
                f"{_mm(MIN_MEASURABLE_LESION_MM)} mm RECIST 1.1 needs for a measurable lesion "
                "(follow it as a non-target lesion)"
            )

    by_organ: dict[str, list[TargetLesion]] = {}
    for lesion in targets:
        if lesion.is_lymph_node or lesion.organ.strip():
            by_organ.setdefault(_organ_key(lesion), []).append(lesion)
    for organ, lesions in by_organ.items():
        if len(lesions) > MAX_TARGET_LESIONS_PER_ORGAN:
            where = (
                "lymph nodes (all nodal chains count as one organ)"
                if organ == _LYMPH_NODES
                else lesions[0].organ.strip()
            )
            messages.append(
                f"{len(lesions)} target lesions in {where} ({_ids(lesions)}): RECIST 1.1 "
                f"allows at most {MAX_TARGET_LESIONS_PER_ORGAN} per organ"
            )

    if len(targets) > MAX_TARGET_LESIONS:
        messages.append(
            f"{len(targets)} target lesions ({_ids(targets)}): RECIST 1.1 allows at most "
            f"{MAX_TARGET_LESIONS} in total"
        )
    return messages


def sum_of_diameters(targets: Iterable[TargetLesion]) -> Decimal | None:
    """The sum of the diameters (node short axes included); None if any lesion is NE."""
    total = Decimal(0)
    for lesion in targets:
        if lesion.diameter_mm is None:
            return None
        total += lesion.diameter_mm
    return total


def overall_response(
    baseline: Assessment, prior: Sequence[Assessment], current: Assessment
) -> ResponseResult:
    """The RECIST 1.1 overall response at ``current``.

    Follow-up target lesions are matched to the baseline ones by ``lesion_id``; a baseline
    lesion missing from an assessment is not evaluable there, and an id the baseline does not
    have raises ValueError. Only the ``prior`` assessments dated between the baseline and
    ``current`` count towards the nadir.
    """
    if current.assessment_date <= baseline.assessment_date:
        raise ValueError(
            f"the assessment of {current.assessment_date.isoformat()} is not after the "
            f"baseline of {baseline.assessment_date.isoformat()}"
        )
    _check_non_target_consistency(baseline, current)
    baseline_ids = _lesion_ids(baseline, "baseline")
    measured = _measurements(baseline_ids, current)
    current_sum = sum_of_diameters(measured)
    baseline_sum = sum_of_diameters(baseline.targets)

    # RECIST 1.1, evaluation of target lesions: the nadir is the smallest sum on study,
    # baseline included. An assessment with a lesion not evaluable has no sum, and its
    # partial sum is only a lower bound, so it does not set the nadir.
    on_study = [
        a for a in prior if baseline.assessment_date < a.assessment_date < current.assessment_date
    ]
    sums = [baseline_sum] + [sum_of_diameters(_measurements(baseline_ids, a)) for a in on_study]
    known_sums = [s for s in sums if s is not None]
    nadir = min(known_sums) if known_sums else None

    if not baseline_ids:
        target, target_reason = None, None
    else:
        target, target_reason = _target_response(measured, baseline_sum, nadir)
    response, reasons = _combine(target, current)
    return ResponseResult(
        response=response,
        sum_mm=current_sum,
        change_from_baseline_pct=_percent_change(current_sum, baseline_sum),
        change_from_nadir_pct=_percent_change(current_sum, nadir),
        nadir_mm=nadir,
        reasons=((target_reason,) if target_reason else ()) + reasons,
    )


def best_overall_response(
    responses: Sequence[tuple[date, Response]],
    *,
    first_dose: date,
    min_sd_days: int = MIN_SD_DAYS,
) -> Response | None:
    """The best overall response, without confirmation, from the time-point responses.

    RECIST 1.1 (best overall response) with the phase I choices: the best of CR > PR > SD > PD > NE,
    taken in date order up to and including the first PD (later responses, e.g. under
    treatment beyond progression, are iRECIST's business and do not count). SD counts only if
    it was assessed at least ``min_sd_days`` after the first dose; an earlier SD counts as NE,
    so early SD then PD is PD, and early SD alone is NE. A PD after CR or PR does not lower the
    best. None when there is no response yet.
    """
    if min_sd_days < 0:
        raise ValueError(f"min_sd_days cannot be negative, got {min_sd_days}")
    best: Response | None = None
    for assessed_on, recorded in sorted(responses, key=lambda item: item[0]):
        if assessed_on < first_dose:
            raise ValueError(
                f"a response on {assessed_on.isoformat()} is before the first dose on "
                f"{first_dose.isoformat()}"
            )
        response = Response(recorded)
        if response is Response.SD and (assessed_on - first_dose).days < min_sd_days:
            response = Response.NE
        if best is None or _BOR_RANK[response] > _BOR_RANK[best]:
            best = response
        if response is Response.PD:
            break
    return best


def best_response_on_treatment(
    time_points: Iterable[tuple[date, Response | str | None]],
    *,
    first_dose: date | None,
    min_sd_days: int = MIN_SD_DAYS,
) -> Response | None:
    """The subject's best overall response from its recorded time points: the one home of
    which time points count (subject page, dashboards and SDTM RS alike).

    RECIST 1.1 (section 4.4.1): the best overall response is "the best response recorded from
    the start of the study treatment". So a time point counts once treatment has started
    (assessed on or after the first dose) and when it has a response (the baseline has none).
    None before the first dose: no response can be assessed yet.
    """
    if first_dose is None:
        return None
    counted = [
        (assessed_on, Response(response))
        for assessed_on, response in time_points
        if response and assessed_on >= first_dose
    ]
    return best_overall_response(counted, first_dose=first_dose, min_sd_days=min_sd_days)


_BOR_RANK = {Response.CR: 4, Response.PR: 3, Response.SD: 2, Response.PD: 1, Response.NE: 0}


def _target_response(
    measured: Sequence[TargetLesion], baseline_sum: Decimal | None, nadir: Decimal | None
) -> tuple[Response, str]:
    if baseline_sum is None or nadir is None:
        return Response.NE, (
            "target lesions: NE, a target lesion was not measured at baseline, so there is "
            "no baseline sum to compare with"
        )
    evaluable = [lesion for lesion in measured if lesion.diameter_mm is not None]
    missing = [lesion for lesion in measured if lesion.diameter_mm is None]
    if not evaluable:
        return Response.NE, f"target lesions: NE, none evaluable ({_ids(missing)})"
    evaluable_sum = sum_of_diameters(evaluable)
    assert evaluable_sum is not None  # the NE lesions are filtered out above
    increase = evaluable_sum - nadir
    meets_pd = increase >= PD_MIN_INCREASE_MM and evaluable_sum >= nadir * (1 + PD_INCREASE)
    from_nadir = f"{_signed_mm(increase)} mm"
    if nadir:
        from_nadir += f", {_signed(_percent_change(evaluable_sum, nadir))}%"

    # The EORTC RECIST FAQ ("abnormal lymph node"): a target node has reappeared only once it
    # is >= 10 mm. So while every lesion is at CR level (non-nodal 0, nodes < 10 mm) the
    # growth of normal nodes is not PD, however large it is in percent.
    if all(_at_cr_level(lesion) for lesion in evaluable):
        if missing:
            return Response.NE, (
                f"target lesions: NE, {_ids(missing)} not evaluable "
                "and the others are at complete response level"
            )
        return Response.CR, (
            "target lesions: CR, every non-nodal target lesion has disappeared and every "
            f"target node is below {_mm(NORMAL_NODE_BELOW_MM)} mm short axis"
        )

    if missing:
        # RECIST 1.1, missing assessments: with lesions missing the time point is NE, unless the
        # missing ones cannot change it; the sum can only grow with them, so PD stands.
        if meets_pd:
            return Response.PD, (
                f"target lesions: PD although {_ids(missing)} not evaluable: the evaluable "
                f"lesions alone sum {_mm(evaluable_sum)} mm, {from_nadir} from the nadir of "
                f"{_mm(nadir)} mm (PD needs at least +20% and +5 mm)"
            )
        return Response.NE, (
            f"target lesions: NE, {_ids(missing)} not evaluable and the evaluable lesions "
            f"({_mm(evaluable_sum)} mm) do not reach PD from the nadir of {_mm(nadir)} mm"
        )

    if meets_pd:
        return Response.PD, (
            f"target lesions: PD, sum {_mm(evaluable_sum)} mm is {from_nadir} from the nadir "
            f"of {_mm(nadir)} mm (PD needs at least +20% and +5 mm)"
        )
    change = f"{_signed(_percent_change(evaluable_sum, baseline_sum))}%"
    # Judged on the exact sums; the rounded percentage is only what is shown.
    if evaluable_sum <= baseline_sum * (1 - PR_DECREASE):
        return Response.PR, (
            f"target lesions: PR, sum {_mm(evaluable_sum)} mm is {change} from the baseline "
            f"of {_mm(baseline_sum)} mm (PR needs at least -30%); {_not_cr_text(evaluable)}"
        )
    return Response.SD, (
        f"target lesions: SD, sum {_mm(evaluable_sum)} mm is {change} from the baseline of "
        f"{_mm(baseline_sum)} mm (PR needs at least -30%) and {from_nadir} from the nadir of "
        f"{_mm(nadir)} mm (PD needs at least +20% and +5 mm)"
    )


def _combine(target: Response | None, current: Assessment) -> tuple[Response, tuple[str, ...]]:
    non_target, new_lesions = current.non_target, current.new_lesions
    non_target_text = _NON_TARGET_TEXT[non_target]
    if current.non_target_finding:
        non_target_text += f" ({current.non_target_finding})"
    findings = (
        f"non-target lesions: {non_target_text}",
        "new lesions: "
        + (
            current.new_lesion_finding
            or {True: "yes", False: "none", None: "not assessed"}[new_lesions]
        ),
    )
    # RECIST 1.1 Table 1 (and Table 2 when there are no target lesions): a new lesion or
    # unequivocal non-target progression is PD whatever the rest says.
    if new_lesions:
        return Response.PD, (*findings, "PD: a new lesion is progression (RECIST 1.1)")
    if non_target is NonTargetStatus.PD:
        return Response.PD, (*findings, "PD: unequivocal progression of non-target lesions")
    if target is Response.PD:
        return Response.PD, (*findings, "PD: the target lesions progressed")

    if target is None:
        response, why = _non_target_only(non_target)
    else:
        response, why = _target_with_non_target(target, non_target)
    # CR, PR and SD all require no new lesion; unassessed, a new lesion could make it PD, so
    # the time point is NE (RECIST 1.1, missing assessments and inevaluable designation).
    if new_lesions is None and response is not Response.NE:
        return Response.NE, (
            *findings,
            f"NE: would be {response.name} ({why}), but new lesions were not assessed",
        )
    return response, (*findings, f"{response.name}: {why}")


def _target_with_non_target(target: Response, non_target: NonTargetStatus) -> tuple[Response, str]:
    # RECIST 1.1 Table 1, rows without PD or new lesions.
    if target is Response.CR:
        if non_target in (NonTargetStatus.CR, NonTargetStatus.NOT_PRESENT):
            return Response.CR, "target CR, non-target CR or none at baseline"
        # Non-target non-CR/non-PD or not evaluated keeps a target CR at PR.
        return Response.PR, f"target CR but non-target {_NON_TARGET_TEXT[non_target]}"
    if target is Response.PR:
        return Response.PR, "target PR, non-target not PD"
    if target is Response.SD:
        return Response.SD, "target SD, non-target not PD"
    return Response.NE, "target lesions not evaluable and no progression elsewhere"


def _non_target_only(non_target: NonTargetStatus) -> tuple[Response, str]:
    # RECIST 1.1 Table 2 (no target lesions at baseline). Its footnote prefers the label
    # "non-CR/non-PD" to SD here; Response has no such member, so it is reported as SD and
    # the reason says non-CR/non-PD.
    match non_target:
        case NonTargetStatus.CR:
            return Response.CR, "no target lesions; non-target CR"
        case NonTargetStatus.NON_CR_NON_PD:
            return Response.SD, "no target lesions; non-target non-CR/non-PD, reported as SD"
        case NonTargetStatus.NE:
            return Response.NE, "no target lesions and the non-target lesions not evaluated"
    return Response.NE, "no target or non-target lesions at baseline: no disease to assess"


_NON_TARGET_TEXT = {
    NonTargetStatus.CR: "complete response",
    NonTargetStatus.NON_CR_NON_PD: "non-CR/non-PD",
    NonTargetStatus.PD: "unequivocal progression",
    NonTargetStatus.NE: "not evaluated",
    NonTargetStatus.NOT_PRESENT: "none at baseline",
}


def _check_non_target_consistency(baseline: Assessment, current: Assessment) -> None:
    had = baseline.non_target is not NonTargetStatus.NOT_PRESENT
    has = current.non_target is not NonTargetStatus.NOT_PRESENT
    if had != has:
        raise ValueError(
            f"non-target lesions are {baseline.non_target.value!r} at baseline but "
            f"{current.non_target.value!r} on {current.assessment_date.isoformat()}: "
            "'not_present' means there were none at baseline, at every assessment"
        )


def _lesion_ids(assessment: Assessment, label: str) -> tuple[str, ...]:
    ids = tuple(lesion.lesion_id for lesion in assessment.targets)
    if len(set(ids)) != len(ids):
        raise ValueError(f"target lesion ids repeat at the {label} assessment: {ids}")
    return ids


def _measurements(baseline_ids: Sequence[str], assessment: Assessment) -> list[TargetLesion]:
    """The assessment's lesions in baseline order, a missing one as not evaluable."""
    label = assessment.assessment_date.isoformat()
    by_id = {lesion.lesion_id: lesion for lesion in assessment.targets}
    _lesion_ids(assessment, label)
    unknown = set(by_id) - set(baseline_ids)
    if unknown:
        # Target lesions are fixed at baseline; a new one is a new lesion, not a target.
        raise ValueError(
            f"the {label} assessment has target lesions the baseline does not have: "
            f"{', '.join(sorted(unknown))}"
        )
    return [
        by_id.get(lesion_id) or TargetLesion(lesion_id, "", False, None)
        for lesion_id in baseline_ids
    ]


def _at_cr_level(lesion: TargetLesion) -> bool:
    assert lesion.diameter_mm is not None
    if lesion.is_lymph_node:
        return lesion.diameter_mm < NORMAL_NODE_BELOW_MM
    return lesion.diameter_mm == 0


def _not_cr_text(evaluable: Sequence[TargetLesion]) -> str:
    remaining = [lesion for lesion in evaluable if not _at_cr_level(lesion)]
    return f"not CR: {_ids(remaining)} still present"


def _percent_change(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if value is None or reference is None or reference == 0:
        return None
    return ((value - reference) * 100 / reference).quantize(_PERCENT_STEP, ROUND_HALF_UP)


def _organ_key(lesion: TargetLesion) -> str:
    if lesion.is_lymph_node:
        return _LYMPH_NODES
    return " ".join(lesion.organ.casefold().split())


def _ids(lesions: Iterable[TargetLesion]) -> str:
    return ", ".join(lesion.lesion_id for lesion in lesions)


def _mm(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _signed_mm(value: Decimal) -> str:
    return ("+" if value >= 0 else "-") + _mm(abs(value))


def _signed(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:+}"
