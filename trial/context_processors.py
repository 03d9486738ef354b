"""The page frame's study facts, on every page (signed in or not)."""

from trial.study import CurrentStudyError, current_study_or_none


def study_frame(request):
    """The product name in every page's title and brand (the study file's [study] product);
    the frame renders without it before a study is loaded (or when misconfigured)."""
    try:
        study = current_study_or_none()
    except CurrentStudyError:
        study = None
    return {"study_product": study.product if study else ""}
