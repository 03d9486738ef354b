"""The read-only REST API: subjects, and the endpoints the exported kinds declare (visits,
eligibility, dosing, tumour assessments, adverse events, queries: review.records.api_endpoints).

Every queryset starts from trial.access (the same scoping as the web pages): a record of a
site the user has no role at is never listed and its detail answers 404. Voided subjects
(entered in error) and their records are left out, as on the web.
"""

import re

from django.db.models import QuerySet
from django.utils.module_loading import import_string
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from exports.models import BulkDownload, ExportChannel
from exports.serializers import ErrorSerializer, SubjectSerializer
from exports.services import download_record
from review.export_spec import ApiEndpoint
from trial.access import subjects_for
from trial.models import Subject, SubjectStatus

MAX_ID = 2**63 - 1  # PostgreSQL bigint
MAX_OFFSET = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _strict_int(raw: str, name: str, minimum: int, maximum: int) -> int:
    if not _DIGITS.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        message = f"Must be a whole number from {minimum} to {maximum}."
        raise ValidationError({name: [message]} if name else [message])
    return int(raw)


class ApiPagination(LimitOffsetPagination):
    """limit/offset paging that answers 400 to a malformed value instead of ignoring it."""

    default_limit = 100
    max_limit = 500

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        return _strict_int(raw, self.limit_query_param, 1, self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return _strict_int(raw, self.offset_query_param, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"] |= {"minimum": low, "maximum": high}
        return parameters


SUBJECT_PARAMETER = OpenApiParameter(
    "subject",
    {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
    description="Only the records of this subject (its id).",
    required=False,
)
ID_PARAMETER = OpenApiParameter(
    "id",
    {"type": "integer", "format": "int64"},
    OpenApiParameter.PATH,
    description="The record's id (404 when it does not exist or is outside your sites).",
)
# DRF's answer to invalid query parameters: {"parameter": ["message", ...]}.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
# trial.input_guard's answer to a NUL character in any parameter or the path, before DRF.
INPUT_REFUSED = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
BAD_REQUEST = {"oneOf": [FIELD_ERRORS, INPUT_REFUSED]}
ERRORS = {
    401: ErrorSerializer,
    403: ErrorSerializer,
}


class _WholeNumber(serializers.Field):
    """A query parameter that is ASCII digits only ("5.0", " 5" and "５" are refused)."""

    def to_internal_value(self, data):
        return _strict_int(str(data), "", 1, MAX_ID)


class _FilterSerializer(serializers.Serializer):
    subject = _WholeNumber(required=False)


def _documented(serializer, parameters=(), description=""):
    """Schema of list and detail, with the error answers they can give."""
    return extend_schema_view(
        list=extend_schema(
            parameters=list(parameters),
            responses={200: serializer(many=True), 400: BAD_REQUEST, **ERRORS},
            description=description,
        ),
        retrieve=extend_schema(
            parameters=[ID_PARAMETER],
            responses={200: serializer, 400: INPUT_REFUSED, 404: ErrorSerializer, **ERRORS},
            description=description,
        ),
    )


class _ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = ApiPagination
    # Any path segment reaches the view, so a malformed id is a JSON 404 like a missing one.
    lookup_value_regex = "[^/]+"
    filter_serializer = _FilterSerializer
    subject_field = "subject"

    def scoped(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        queryset = self.scoped()
        if self.action != "list":
            return queryset
        # A plain dict: as HTML form data an empty value would be silently skipped.
        filters = self.filter_serializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return self.filter(queryset, filters.validated_data)

    def filter(self, queryset, data):
        if "subject" in data:
            queryset = queryset.filter(**{f"{self.subject_field}_id": data["subject"]})
        return queryset

    def paginate_queryset(self, queryset):
        self.listed = super().paginate_queryset(queryset)
        return self.listed

    def list(self, request, *args, **kwargs):
        """A list page is a bulk download: recorded as one (detail reads are not)."""
        response = super().list(request, *args, **kwargs)
        listed = getattr(self, "listed", None) or []
        subject_ids = {
            obj.pk if isinstance(obj, Subject) else getattr(obj, f"{self.subject_field}_id")
            for obj in listed
        }
        download_record(
            by=request.user,
            what=BulkDownload.API_LIST,
            filters={"endpoint": request.path, **request.query_params.dict()},
            rows=len(listed),
            site_codes=Subject.objects.filter(pk__in=subject_ids)
            .values_list("site__code", flat=True)
            .distinct(),
            channel=ExportChannel.API,
        )
        return response


SITE_CODE = r"[A-Za-z0-9_-]{1,10}"


class _SubjectFilters(serializers.Serializer):
    site = serializers.RegexField(rf"\A{SITE_CODE}\Z", required=False, trim_whitespace=False)
    status = serializers.ChoiceField(required=False, choices=SubjectStatus.choices)


@_documented(
    SubjectSerializer,
    parameters=[
        OpenApiParameter(
            "site", {"type": "string", "pattern": f"^{SITE_CODE}$"}, description="Site code"
        ),
        OpenApiParameter("status", str, enum=SubjectStatus.values),
    ],
    description="Subjects at the sites where you hold a role.",
)
class SubjectViewSet(_ScopedViewSet):
    serializer_class = SubjectSerializer
    filter_serializer = _SubjectFilters

    def scoped(self):
        return (
            subjects_for(self.request.user)
            .active()
            .select_related("site", "dose_level")
            .order_by("site__code", "screening_number")
        )

    def filter(self, queryset, data):
        if "site" in data:
            queryset = queryset.filter(site__code=data["site"])
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        return queryset


def viewset_for(endpoint: ApiEndpoint) -> type[_ScopedViewSet]:
    """The list and detail views of an endpoint a kind declares (review.export_spec)."""
    serializer = endpoint.serializer
    if isinstance(serializer, str):
        serializer = import_string(serializer)

    def scoped(self):
        return endpoint.queryset(self.request.user)

    name = "".join(part.title() for part in re.split(r"[^A-Za-z0-9]+", endpoint.path))
    viewset = type(
        f"{name}ViewSet",
        (_ScopedViewSet,),
        {
            "serializer_class": serializer,
            "subject_field": endpoint.subject_field,
            "scoped": scoped,
            "__module__": __name__,
        },
    )
    return _documented(serializer, [SUBJECT_PARAMETER], endpoint.description)(viewset)
