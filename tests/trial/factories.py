from datetime import date

import factory

from trial.models import Subject


class SubjectFactory(factory.django.DjangoModelFactory):
    """A registered subject; pass study, site and created_by."""

    class Meta:
        model = Subject

    screening_number = factory.Sequence(lambda n: f"T-S{n:03d}")
    sex = "F"
    date_of_birth = date(1970, 5, 17)
    tumour_type = "melanoma"
