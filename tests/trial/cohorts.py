"""Subjects of a dose-escalation cohort written as letters, for the pure design tests.

Shared by test_escalation.py (3+3) and test_boin.py (BOIN). One letter per subject:
  o  DLT window over, no DLT          D  DLT, window over
  w  inside the DLT window, no DLT    d  DLT while the window is still open
  u  enrolled, not dosed yet          x  left before the window ended without a DLT
"""

from datetime import date, timedelta

from trial.escalation import CohortSubject, DoseLevelSpec

TODAY = date(2026, 12, 1)
WINDOW_ENDED = TODAY - timedelta(days=1)
WINDOW_OPEN_UNTIL = date(2026, 12, 15)
LEVELS = tuple(DoseLevelSpec(f"DL{n}", n) for n in range(1, 5))

_SUBJECT = {
    "o": {"dlt_window_end": WINDOW_ENDED},
    "D": {"dlt_window_end": WINDOW_ENDED, "dlt": True},
    "w": {"dlt_window_end": WINDOW_OPEN_UNTIL},
    "d": {"dlt_window_end": WINDOW_OPEN_UNTIL, "dlt": True},
    "u": {"dlt_window_end": None},
    "x": {"dlt_window_end": WINDOW_OPEN_UNTIL, "evaluable": False},
}


def cohort(level: str, letters: str, *, prefix: str = "") -> list[CohortSubject]:
    """The subjects `letters` at `level`, in enrollment order."""
    return [
        CohortSubject(subject_id=f"{prefix}{level}-{i}", dose_level=level, **_SUBJECT[letter])
        for i, letter in enumerate(letters, start=1)
    ]
