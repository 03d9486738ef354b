"""CDISC ODM 1.3.2: study metadata, admin data and the clinical data with its whole history.

The file is Transactional. Each clinical record appears as the series of its changes, read
from its pghistory event table: the first as an Insert carrying every value, each later one
as an Update carrying the values that changed. Every change has an AuditRecord: who (the user
in the audit context), where (the subject's site), when (the event time) and why (the reason
for change). E-signatures on a record are placed among its changes in time order, so a
reader sees which version was signed. The last transaction of a record is its current value.

Streaming: each event table is read once, ordered by subject, through a server-side cursor;
the streams are merged by subject and one SubjectData is written at a time (as text: the
metadata is built with lxml), so memory depends on the largest subject, never on the number
of subjects.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import models
from django.db.models import F, QuerySet
from django.utils import timezone
from lxml import etree

from exports.crfs import LIST_SEPARATOR, Column, Crf, crf_specs
from review.models import Signature, SignatureMeaning
from trial.models import Site, Study, Subject, User, VisitDefinition, VisitKind

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SYSTEM_USER_OID = "USR.SYSTEM"
LOG_EVENT_OID = "SE.LOG"
_DATATYPES = {"list": "text", "json": "text"}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _tag(name: str) -> str:
    return f"{{{ODM_NS}}}{name}"


def _sub(parent, name: str, attrib: dict | None = None, text: str | None = None):
    element = etree.SubElement(parent, _tag(name), attrib or {})
    if text is not None:
        element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text)


# The clinical data (nearly all of the file) is written as text, not built as lxml trees:
# building millions of elements cost more than the rest of the export together. These give
# the bytes lxml would serialise (the tests parse and validate the result).
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_SPECIALS = re.compile('[&<>"\n\r\t]')
_TEXT_SPECIALS = re.compile("[&<>\r]")


def _attr(value: str) -> str:
    """An attribute value, escaped (lxml's serialisation)."""
    return value.translate(_ATTRIBUTE_ESCAPES) if _ATTRIBUTE_SPECIALS.search(value) else value


def _text(value: str) -> str:
    """Element text, cleaned as _sub does and escaped."""
    value = _clean(value)
    return value.translate(_TEXT_ESCAPES) if _TEXT_SPECIALS.search(value) else value


def _translated(parent, name: str, text: str) -> None:
    holder = _sub(parent, name)
    _sub(holder, "TranslatedText", {XML_LANG: "en"}, text)


def odm_value(value, datatype: str) -> str | None:
    """An item's value as ODM text (ISO 8601 dates and times, xs:boolean), or None."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if datatype == "boolean":
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        )
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _clean(str(value))


# --- which form goes where --------------------------------------------------------------------


@functools.cache
def event_model_for(model: type[models.Model]) -> type[models.Model]:
    for candidate in apps.get_models():
        if getattr(candidate, "pgh_tracked_model", None) is model:
            return candidate
    raise LookupError(f"{model._meta.label} is not tracked by pghistory")


@dataclass(frozen=True)
class OdmForm:
    """A form, or a repeating item group of a form ("group"): review.export_spec.Odm."""

    crf: Crf

    @property
    def placement(self) -> str:  # "screening", "visit" (its own), "dosing visit" or "log"
        return self.crf.odm.placement

    @property
    def repeating(self) -> bool:
        return self.placement == "log"

    @property
    def subject_lookup(self) -> str:  # from the event model to the subject's id
        return self.crf.odm.subject_lookup

    @property
    def oid(self) -> str:
        return f"F.{self.crf.oid}"

    @property
    def group_oid(self) -> str:
        return f"IG.{self.crf.oid}"

    @property
    def event_model(self):
        return event_model_for(self.crf.model)

    @property
    def items(self) -> tuple[Column, ...]:
        return tuple(c for c in self.crf.columns if not c.key)


def odm_forms(crfs: dict[str, Crf]) -> tuple[OdmForm, ...]:
    """The forms of the exported datasets that the ODM file carries, in export order."""
    return tuple(OdmForm(crf) for crf in crfs.values() if crf.odm and crf.odm.placement != "group")


def odm_groups(crfs: dict[str, Crf]) -> tuple[OdmForm, ...]:
    """Sub-records written as repeating item groups of their parent's form: a row's own
    exploded list (eligibility findings) or the rows of a child model (lesion measurements)."""
    return tuple(OdmForm(crf) for crf in crfs.values() if crf.odm and crf.odm.placement == "group")


def _child_groups(crfs: dict[str, Crf]) -> tuple[OdmForm, ...]:
    """The groups read from event rows of their own model (not the parent row's list)."""
    return tuple(group for group in odm_groups(crfs) if group.crf.odm.parent_key)


# --- reading values out of event rows ---------------------------------------------------------


def _extractor(crf: Crf, column: Column) -> Callable[[dict, dict], object]:
    """Reads a column's value from an event row (a dict keyed by attname), or from one
    element of the CRF's exploded JSON list (an eligibility finding)."""
    if crf.items_from and column.path.startswith(f"{crf.items_from}."):
        key = column.path.split(".", 1)[1]
        return lambda element, refs: element.get(key)
    model = crf.model
    head, _, rest = column.path.partition("__")
    model_field = model._meta.get_field(head)
    if not rest:
        name = model_field.attname
        return lambda row, refs: row.get(name)
    if isinstance(model_field, models.JSONField):
        keys = rest.split("__")

        def from_json(row, refs):
            value = row.get(head)
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        return from_json
    related, attname = model_field.related_model, model_field.attname

    def from_reference(row, refs):
        pk = row.get(attname)
        return None if pk is None else refs[related].get(pk, {}).get(rest)

    return from_reference


YES_NO_CODELIST = "CL.NY"
YES_NO = (("Y", "Yes"), ("N", "No"))


@dataclass(frozen=True)
class ItemSpec:
    """One ODM item: its definition (ItemDef, CodeList) and how to read its value.

    A multi-choice field (a list of codes) is no single ODM value: it becomes one Y/N item
    per choice, `IT.<crf>.<FIELD>_<CHOICE>` ("Y" chosen, "N" not, null when the list is)."""

    oid: str
    name: str
    label: str
    datatype: str  # the ODM DataType
    read: Callable[[dict, dict], object]
    codelist_oid: str = ""
    codelist: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None  # declared by the model field (CharField max_length)


def _choice_reader(read, code: str):
    def chosen(row, refs):
        value = read(row, refs)
        if value is None:
            return None
        return "Y" if code in value else "N"

    return chosen


def _item_specs(crf: Crf, columns: Iterable[Column]) -> tuple[ItemSpec, ...]:
    specs = []
    for c in columns:
        oid = f"IT.{crf.oid}.{c.name.upper()}"
        read = _extractor(crf, c)
        if c.datatype == "list":
            for code, label in c.codelist:
                specs.append(
                    ItemSpec(
                        f"{oid}_{code.upper()}",
                        f"{c.name}_{code}",
                        f"{c.label}: {label}",
                        "text",
                        _choice_reader(read, code),
                        YES_NO_CODELIST,
                        YES_NO,
                        1,
                    )
                )
            continue
        specs.append(
            ItemSpec(
                oid,
                c.name,
                c.label,
                _DATATYPES.get(c.datatype, c.datatype),
                read,
                f"CL.{crf.oid}.{c.name.upper()}" if c.codelist else "",
                c.codelist,
                c.max_length,
            )
        )
    return tuple(specs)


def _item_values(specs: tuple[ItemSpec, ...], row: dict, refs: dict) -> dict[str, str | None]:
    return {spec.oid: odm_value(spec.read(row, refs), spec.datatype) for spec in specs}


class LengthTracker:
    """The longest value written per text item: ODM requires a Length on every text ItemDef;
    a field without a declared maximum gets the longest value the file holds (at least 1)."""

    def __init__(self):
        self.longest: dict[str, int] = defaultdict(int)

    def see(self, values: dict[str, str | None]) -> None:
        longest = self.longest
        for oid, value in values.items():
            if value is not None and len(value) > longest[oid]:
                longest[oid] = len(value)

    def length(self, spec: ItemSpec) -> int:
        return max(spec.max_length or 0, self.longest.get(spec.oid, 0), 1)


# --- metadata -----------------------------------------------------------------------------


def study_element(study: Study, definitions, forms, groups, mdv_oid: str, lengths: LengthTracker):
    root = etree.Element(
        _tag("Study"), {"OID": f"ST.{study.protocol_number}"}, nsmap={None: ODM_NS}
    )
    variables = _sub(root, "GlobalVariables")
    _sub(variables, "StudyName", text=study.protocol_number)
    _sub(variables, "StudyDescription", text=study.title)
    _sub(variables, "ProtocolName", text=study.protocol_number)
    mdv = _sub(root, "MetaDataVersion", {"OID": mdv_oid, "Name": f"{study.protocol_number} eCRF"})
    events = study_events(definitions, forms)
    protocol = _sub(mdv, "Protocol")
    for order, (oid, _name, _type, _forms) in enumerate(events, start=1):
        _sub(
            protocol,
            "StudyEventRef",
            {"StudyEventOID": oid, "OrderNumber": str(order), "Mandatory": "No"},
        )
    for oid, name, kind, event_forms in events:
        definition = _sub(
            mdv, "StudyEventDef", {"OID": oid, "Name": name, "Repeating": "No", "Type": kind}
        )
        for order, form in enumerate(event_forms, start=1):
            _sub(
                definition,
                "FormRef",
                {"FormOID": form.oid, "OrderNumber": str(order), "Mandatory": "No"},
            )
    for form in forms:
        form_def = _sub(
            mdv,
            "FormDef",
            {
                "OID": form.oid,
                "Name": form.crf.title,
                "Repeating": "Yes" if form.repeating else "No",
            },
        )
        for order, (group_oid, *_rest) in enumerate(groups[form.oid], start=1):
            _sub(
                form_def,
                "ItemGroupRef",
                {"ItemGroupOID": group_oid, "OrderNumber": str(order), "Mandatory": "Yes"},
            )
    for form in forms:
        for group_oid, crf, specs, repeating in groups[form.oid]:
            group = _sub(
                mdv,
                "ItemGroupDef",
                {
                    "OID": group_oid,
                    "Name": crf.title,
                    "Repeating": "Yes" if repeating else "No",
                    "Domain": crf.oid,
                },
            )
            for order, spec in enumerate(specs, start=1):
                _sub(
                    group,
                    "ItemRef",
                    {"ItemOID": spec.oid, "OrderNumber": str(order), "Mandatory": "No"},
                )
    codelists = {}
    for form in forms:
        for _group_oid, _crf, specs, _repeating in groups[form.oid]:
            for spec in specs:
                attrib = {"OID": spec.oid, "Name": spec.name, "DataType": spec.datatype}
                if spec.datatype in ("text", "string"):
                    attrib["Length"] = str(lengths.length(spec))
                item = _sub(mdv, "ItemDef", attrib)
                _translated(item, "Question", spec.label)
                if spec.codelist_oid:
                    _sub(item, "CodeListRef", {"CodeListOID": spec.codelist_oid})
                    codelists.setdefault(spec.codelist_oid, spec)
    for oid, spec in codelists.items():
        name = "No / Yes" if oid == YES_NO_CODELIST else spec.label
        codelist = _sub(mdv, "CodeList", {"OID": oid, "Name": name, "DataType": "text"})
        for order, (code, label) in enumerate(spec.codelist, start=1):
            item = _sub(codelist, "CodeListItem", {"CodedValue": code, "OrderNumber": str(order)})
            _translated(item, "Decode", label)
    return root


def _item_groups(forms, crfs):
    """Per form: (group OID, CRF, item specs, repeating) of each of its item groups."""
    groups = {}
    for form in forms:
        groups[form.oid] = [(form.group_oid, form.crf, _item_specs(form.crf, form.items), False)]
    for group in odm_groups(crfs):
        parent = crfs[group.crf.odm.parent]
        specs = _item_specs(group.crf, group.items)
        groups[f"F.{parent.oid}"].append((group.group_oid, group.crf, specs, True))
    return groups


def screening_event_oid(definitions) -> str:
    for definition in definitions:
        if definition.kind == VisitKind.SCREENING:
            return f"SE.{definition.code}"
    return "SE.SCREENING"


def study_events(definitions, forms):
    """(OID, name, type, forms) of every study event, in schedule order."""
    by_placement = defaultdict(list)
    for form in forms:
        by_placement[form.placement].append(form)
    screening_oid = screening_event_oid(definitions)
    events = []
    if screening_oid == "SE.SCREENING":
        events.append((screening_oid, "Screening", "Scheduled", by_placement["screening"]))
    for definition in definitions:
        oid = f"SE.{definition.code}"
        event_forms = list(by_placement["visit"])
        if oid == screening_oid:
            event_forms = by_placement["screening"] + event_forms
        if definition.kind == VisitKind.DOSING:
            event_forms += by_placement["dosing visit"]
        events.append((oid, definition.name, "Scheduled", event_forms))
    events.append(
        (
            LOG_EVENT_OID,
            "Logs: adverse events, tumour assessments, disposition",
            "Common",
            by_placement["log"],
        )
    )
    return events


def effective_date(as_of: datetime) -> date:
    """The sites' MetaDataVersionRef EffectiveDate: the snapshot's day on the installation's
    clock (TIME_ZONE, the sites' time), not in UTC, where a snapshot after 23:00 in Paris
    would still be the day before."""
    return timezone.localdate(as_of)


def admin_element(study: Study, sites, mdv_oid: str, effective: date, signature_meanings):
    root = etree.Element(_tag("AdminData"), nsmap={None: ODM_NS})
    system = _sub(root, "User", {"OID": SYSTEM_USER_OID, "UserType": "Other"})
    _sub(system, "LoginName", text="system")
    _sub(system, "FullName", text="eCRF system (no interactive user)")
    for user in User.objects.order_by("pk").values("pk", "username", "first_name", "last_name"):
        element = _sub(root, "User", {"OID": f"USR.{user['pk']}"})
        _sub(element, "LoginName", text=user["username"])
        full_name = f"{user['first_name']} {user['last_name']}".strip()
        if full_name:
            _sub(element, "FullName", text=full_name)
    for site in sites:
        location = _sub(
            root, "Location", {"OID": f"LOC.{site.code}", "Name": site.name, "LocationType": "Site"}
        )
        _sub(
            location,
            "MetaDataVersionRef",
            {
                "StudyOID": f"ST.{study.protocol_number}",
                "MetaDataVersionOID": mdv_oid,
                "EffectiveDate": effective.isoformat(),
            },
        )
    for meaning, label in signature_meanings:
        definition = _sub(
            root, "SignatureDef", {"OID": f"SD.{meaning}", "Methodology": "Electronic"}
        )
        _sub(definition, "Meaning", text=label)
        _sub(
            definition,
            "LegalReason",
            text=(
                "Electronic signature (21 CFR Part 11): re-entered password, printed name, "
                "date and time, bound to a hash of the signed content"
            ),
        )
    return root


# --- clinical data --------------------------------------------------------------------------


@dataclass
class _Transaction:
    at: datetime
    rank: int  # a parent's insert before its sub-records' inserts at the same instant
    seq: int
    insert: bool
    xml: str  # a FormData element


def _transaction_order(transaction: _Transaction) -> tuple:
    """An entity's Insert first, then its changes, signatures and sub-records in time
    order: a Context (a signature, a sub-record) may carry an earlier time than the Insert
    (back-dated entry) but must not come before the entity exists in the file."""
    return (not transaction.insert, transaction.at, transaction.rank, transaction.seq)


class _SubjectWriter:
    """Writes one SubjectData, as text, from all the event rows and signatures of that
    subject."""

    def __init__(
        self, forms, sub_groups, groups, refs, screening_oid, user_oids, lengths: LengthTracker
    ):
        self.forms = {f.crf.oid: f for f in forms}
        self.refs = refs
        self.screening_oid = screening_oid
        self.user_oids = {pk: _attr(oid) for pk, oid in user_oids.items()}
        self.lengths = lengths
        self.specs = {f.crf.oid: groups[f.oid][0][2] for f in forms}
        specs_of = {oid: specs for g in groups.values() for oid, _c, specs, _r in g[1:]}
        self.item_oids = {
            spec.oid: _attr(spec.oid)
            for g in groups.values()
            for *_o, specs, _r in g
            for spec in specs
        }
        by_name = {f.crf.name: f for f in forms}
        # Per form: its groups exploded from the row's own list; and the groups of child rows
        # (group, its parent form, the form whose rows give the repeat key, or None).
        self.exploded = defaultdict(list)
        self.children = []
        for group in sub_groups:
            odm = group.crf.odm
            parent = by_name[odm.parent]
            specs = specs_of[group.group_oid]
            if odm.parent_key:
                via = by_name[odm.repeat_key_via[0]] if odm.repeat_key_via else None
                self.children.append((group, specs, parent, via))
            else:
                self.exploded[parent.crf.oid].append((group, specs))
        self.form_for_label = {f.crf.model._meta.label_lower: f.crf.oid for f in forms}

    def _audit_record(self, row, label: str, location_oid: str) -> str:
        context = row.get("odm_context") or {}
        user_oid = self.user_oids.get(context.get("user"), SYSTEM_USER_OID)
        reason = context.get("reason")
        source = f"{label}:{row['pgh_id']} ({row['pgh_label']})"
        if context.get("url"):
            source += f" via {context['url']}"
        record_id = _attr(f"AR.{label}.{row['pgh_id']}")
        return "".join(
            (
                f'<AuditRecord EditPoint="DBAudit" ID="{record_id}">',
                f'<UserRef UserOID="{user_oid}"/><LocationRef LocationOID="{location_oid}"/>',
                f"<DateTimeStamp>{row['pgh_created_at'].isoformat()}</DateTimeStamp>",
                f"<ReasonForChange>{_text(reason)}</ReasonForChange>" if reason else "",
                f"<SourceID>{_text(source)}</SourceID></AuditRecord>",
            )
        )

    def _items(self, values: dict, previous: dict | None) -> tuple[str, int]:
        """The ItemData of the values (all of them) or of those changed since `previous`."""
        self.lengths.see(values)
        oids = self.item_oids
        items = []
        for oid, value in values.items():
            if previous is None:
                if value is None:
                    continue
            elif previous.get(oid) == value:
                continue
            elif value is None:
                items.append(f'<ItemData ItemOID="{oids[oid]}" IsNull="Yes"/>')
                continue
            items.append(f'<ItemData ItemOID="{oids[oid]}" Value="{_attr(value)}"/>')
        return "".join(items), len(items)

    def subject_data(self, subject: dict, rows_by_form: dict[str, list], signatures: list) -> str:
        location = _attr(f"LOC.{subject['site__code']}")
        key = subject["subject_number"] or subject["screening_number"]

        visits = {}  # visit id -> (code, order)
        for form in self.forms.values():
            if form.placement == "visit":
                for row in rows_by_form.get(form.crf.oid, ()):
                    visits[row["pgh_obj_id"]] = (row["code"], row["order"])

        # (study event OID, form OID, repeat key) -> transactions
        entities: dict[tuple, list[_Transaction]] = defaultdict(list)
        of_record: dict[tuple[str, int], tuple] = {}
        counter = itertools.count()

        for crf_oid, form in self.forms.items():
            specs = self.specs[crf_oid]
            label = form.event_model._meta.label
            previous: dict[int, tuple] = {}
            for row in rows_by_form.get(crf_oid, ()):
                obj = row["pgh_obj_id"]
                entity = self._entity(form, row, visits)
                if entity is None:
                    continue
                of_record[(crf_oid, obj)] = entity
                values = _item_values(specs, row, self.refs)
                before = previous.get(obj)
                insert = before is None
                parts = [
                    self._form_start(form, entity, "Insert" if insert else "Update"),
                    self._audit_record(row, label, location),
                ]
                items, changed = self._items(values, before[0] if before else None)
                if changed:
                    parts += (f'<ItemGroupData ItemGroupOID="{form.group_oid}">', items)
                    parts.append("</ItemGroupData>")
                elements = {}
                for group, group_specs in self.exploded.get(crf_oid, ()):
                    key_name = group.crf.odm.repeat_key
                    items = {e.get(key_name): e for e in row.get(group.crf.items_from) or []}
                    elements[group.group_oid] = items
                    old = before[1].get(group.group_oid) if before else None
                    changed += self._elements(parts, group, group_specs, items, old)
                previous[obj] = (values, elements)
                if changed or insert:
                    parts.append("</FormData>")
                    entities[entity].append(
                        _Transaction(
                            row["pgh_created_at"], 0, next(counter), insert, "".join(parts)
                        )
                    )

        for child, child_specs, parent, via in self.children:
            odm = child.crf.odm
            shown = {}  # the repeat key (a row id of the `via` form) -> its value shown
            if via is not None:
                field = odm.repeat_key_via[1]
                for row in rows_by_form.get(via.crf.oid, ()):
                    shown[row["pgh_obj_id"]] = row[field]
            child_label = child.event_model._meta.label
            previous = {}
            for row in rows_by_form.get(child.crf.oid, ()):
                entity = of_record.get((parent.crf.oid, row[odm.parent_key]))
                if entity is None:
                    continue
                values = _item_values(child_specs, row, self.refs)
                before = previous.get(row["pgh_obj_id"])
                previous[row["pgh_obj_id"]] = values
                items, changed = self._items(values, before)
                if changed or before is None:
                    repeat_key = row[odm.repeat_key]
                    xml = "".join(
                        (
                            self._form_start(parent, entity, "Context"),
                            f'<ItemGroupData ItemGroupOID="{child.group_oid}" ItemGroupRepeatKey='
                            f'"{_attr(str(shown.get(repeat_key, repeat_key)))}" TransactionType='
                            f'"{"Insert" if before is None else "Update"}">',
                            self._audit_record(row, child_label, location),
                            items,
                            "</ItemGroupData></FormData>",
                        )
                    )
                    entities[entity].append(
                        _Transaction(row["pgh_created_at"], 1, next(counter), False, xml)
                    )

        for signature in signatures:
            crf_oid = self.form_for_label.get(signature["record_label"])
            entity = of_record.get((crf_oid, signature["object_id"]))
            if entity is None:
                continue  # a signature on a record this export does not carry
            user_oid = self.user_oids.get(signature["signer_id"], SYSTEM_USER_OID)
            signature_id = _attr(f"SG.{signature['id']}")
            meaning_oid = _attr(f"SD.{signature['meaning']}")
            xml = "".join(
                (
                    self._form_start(self.forms[crf_oid], entity, "Context"),
                    f'<Signature ID="{signature_id}">',
                    f'<UserRef UserOID="{user_oid}"/><LocationRef LocationOID="{location}"/>',
                    f'<SignatureRef SignatureOID="{meaning_oid}"/>',
                    f"<DateTimeStamp>{signature['signed_at'].isoformat()}</DateTimeStamp>",
                    "</Signature></FormData>",
                )
            )
            entities[entity].append(
                _Transaction(signature["signed_at"], 2, next(counter), False, xml)
            )

        order = {oid: i for i, oid in enumerate(self.forms)}
        # Each event's forms in the order of the entities, the events in order of first sight.
        study_events: dict[str, list[str]] = {}
        for entity in sorted(entities, key=lambda e: self._entity_order(e, visits, order)):
            forms = study_events.setdefault(entity[0], [])
            forms += (t.xml for t in sorted(entities[entity], key=_transaction_order))
        parts = [
            f'<SubjectData xmlns="{ODM_NS}" SubjectKey="{_attr(key)}" TransactionType="Insert">',
            f'<SiteRef LocationOID="{location}"/>',
        ]
        for event_oid, forms in study_events.items():
            parts.append(
                f'<StudyEventData StudyEventOID="{_attr(event_oid)}" TransactionType="Insert">'
            )
            parts += forms
            parts.append("</StudyEventData>")
        parts.append("</SubjectData>")
        xml = "".join(parts)
        if _CONTROL_CHARACTERS.search(xml):  # a value lxml would have refused
            raise ValueError(f"subject {key}: a value holds characters XML does not allow")
        return xml

    @staticmethod
    def _form_start(form: OdmForm, entity, transaction_type: str) -> str:
        repeat = "" if entity[2] is None else f' FormRepeatKey="{_attr(entity[2])}"'
        return f'<FormData FormOID="{form.oid}"{repeat} TransactionType="{transaction_type}">'

    def _entity(self, form: OdmForm, row: dict, visits: dict):
        if form.placement == "screening":
            return (self.screening_oid, form.oid, None)
        if form.placement == "visit":
            return (f"SE.{row['code']}", form.oid, None)
        if form.placement == "dosing visit":
            visit = visits.get(row["visit_id"])
            return (f"SE.{visit[0]}", form.oid, None) if visit else None
        key = row[form.crf.odm.repeat_key or "pgh_obj_id"]
        return (LOG_EVENT_OID, form.oid, str(key))

    def _entity_order(self, entity, visits, order):
        event_oid, form_oid, key = entity
        if event_oid == self.screening_oid:
            event_rank = (0, 0)
        elif event_oid == LOG_EVENT_OID:
            event_rank = (2, 0)
        else:
            code = event_oid[3:]
            event_rank = (1, min((o for c, o in visits.values() if c == code), default=0))
        sort_key = (len(key), key) if key is not None else (0, "")
        return (event_rank, order.get(form_oid[2:], 99), sort_key)

    def _elements(self, parts: list, group, specs, elements: dict, before: dict | None) -> int:
        """The repeating groups of a row's exploded list, one per element (by its key),
        added to `parts` where a value changed; how many."""
        written = 0
        for code, element in elements.items():
            old = (before or {}).get(code)
            values = _item_values(specs, element, self.refs)
            old_values = None if old is None else _item_values(specs, old, self.refs)
            items, changed = self._items(values, old_values)
            if changed:
                transaction_type = "Insert" if old is None else "Update"
                parts.append(
                    f'<ItemGroupData ItemGroupOID="{group.group_oid}" ItemGroupRepeatKey='
                    f'"{_attr(str(code))}" TransactionType="{transaction_type}">'
                )
                parts += (items, "</ItemGroupData>")
                written += 1
        return written


# --- streams --------------------------------------------------------------------------------


def _event_stream(model, subject_lookup: str, subjects: QuerySet[Subject]):
    event_model = event_model_for(model)
    names = [f.attname for f in event_model._meta.concrete_fields if f.attname != "pgh_context_id"]
    return (
        event_model.objects.annotate(odm_subject=F(subject_lookup))
        .filter(odm_subject__in=subjects.values("pk"))
        .order_by("odm_subject", "pgh_obj_id", "pgh_id")
        .values(*names, "odm_subject", odm_context=F("pgh_context__metadata"))
    )


def _tagged(rows, tag: str) -> Iterator[tuple[int, str, dict]]:
    for row in rows:
        yield row["odm_subject"], tag, row


def _references(forms: Iterable[OdmForm]) -> dict[type[models.Model], dict[int, dict]]:
    """The rows foreign keys point to, by model and id: what an item read through a key
    (`term__soc`, `recorded_by__username`) shows, looked up once for the whole file. Every
    user is read: the file's user OIDs come from them."""
    attributes: dict[type[models.Model], set[str]] = defaultdict(set, {User: {"username"}})
    for form in forms:
        model = form.crf.model
        for column in form.items:
            head, _, rest = column.path.partition("__")
            if not rest or "__" in rest or "." in column.path:
                continue
            model_field = model._meta.get_field(head)
            if model_field.is_relation:
                attributes[model_field.related_model].add(rest)
    return {
        related: {row["pk"]: row for row in related.objects.values("pk", *sorted(names))}
        for related, names in attributes.items()
    }


def event_counts(subjects: QuerySet[Subject]) -> int:
    """How many event rows the ODM export will read (for progress)."""
    crfs = {c.name: c for c in crf_specs()}
    forms = odm_forms(crfs) + _child_groups(crfs)
    streams = [(form.crf.model, form.subject_lookup) for form in forms]
    return sum(_event_stream(model, lookup, subjects).count() for model, lookup in streams)


def write_odm(
    path: Path,
    *,
    study: Study,
    subjects: QuerySet[Subject],
    sites: Iterable[Site],
    crfs: Iterable[Crf],
    file_oid: str,
    as_of: datetime,
    description: str,
    tick: Callable[[int], None],
    chunk_size: int = 500,
) -> dict:
    """Write the ODM file; returns counts of subjects, transactions and signatures.

    Memory: about one `chunk_size` of rows per event table (a dozen streams) plus the
    largest subject's XML text, whatever the number of subjects.
    """
    crfs = {c.name: c for c in crfs}
    forms = odm_forms(crfs)
    definitions = list(VisitDefinition.objects.filter(study=study).order_by("order"))
    mdv_oid = "MDV.1"
    screening_oid = screening_event_oid(definitions)
    sub_groups = odm_groups(crfs)
    refs = _references(forms + sub_groups)
    user_oids = {pk: f"USR.{pk}" for pk in refs[User]}
    groups = _item_groups(forms, crfs)
    lengths = LengthTracker()
    writer = _SubjectWriter(forms, sub_groups, groups, refs, screening_oid, user_oids, lengths)
    sites = list(sites)

    streams = [
        _tagged(
            _event_stream(form.crf.model, form.subject_lookup, subjects).iterator(chunk_size),
            form.crf.oid,
        )
        for form in forms + _child_groups(crfs)
    ]
    signature_rows = (
        Signature.objects.filter(subject__in=subjects.values("pk"))
        .order_by("subject_id", "signed_at", "id")
        .values("id", "subject_id", "object_id", "signer_id", "meaning", "signed_at")
        .annotate(app=F("content_type__app_label"), model=F("content_type__model"))
    )
    streams.append(
        (row["subject_id"], "SIG", row | {"record_label": f"{row['app']}.{row['model']}"})
        for row in signature_rows.iterator(chunk_size)
    )
    subject_rows = (
        subjects.order_by("pk")
        .values("pk", "screening_number", "subject_number", "site__code")
        .iterator(chunk_size)
    )
    streams.append((row["pk"], "", row) for row in subject_rows)
    merged = heapq.merge(*streams, key=lambda item: item[0])

    counts = {"subjects": 0, "events": 0, "signatures": 0}
    effective = effective_date(as_of)
    clinical = {"StudyOID": f"ST.{study.protocol_number}", "MetaDataVersionOID": mdv_oid}
    # The clinical data is written first, to a file beside the output: the metadata that
    # precedes it declares each text item's Length, known once every value has been seen.
    clinical_path = path.with_name(f".{path.name}.clinical")
    try:
        with open(clinical_path, "wb") as out:
            out.write(
                f'<ClinicalData xmlns="{ODM_NS}" StudyOID="{_attr(clinical["StudyOID"])}" '
                f'MetaDataVersionOID="{clinical["MetaDataVersionOID"]}">'.encode()
            )
            for _subject_id, items in itertools.groupby(merged, key=lambda item: item[0]):
                subject = None
                rows_by_form: dict[str, list] = defaultdict(list)
                signatures = []
                n = 0
                for _sid, tag, row in items:
                    if tag == "":
                        subject = row
                    elif tag == "SIG":
                        signatures.append(row)
                    else:
                        rows_by_form[tag].append(row)
                        n += 1
                if subject is None:
                    continue
                out.write(writer.subject_data(subject, rows_by_form, signatures).encode())
                counts["subjects"] += 1
                counts["events"] += n
                counts["signatures"] += len(signatures)
                tick(n)
            out.write(b"</ClinicalData>")
        attrib = {
            "FileType": "Transactional",
            "Granularity": "SingleSite" if len(sites) == 1 else "All",
            "FileOID": file_oid,
            "CreationDateTime": timezone.now().isoformat(),
            "AsOfDateTime": as_of.isoformat(),
            "ODMVersion": "1.3.2",
            "Originator": study.sponsor or "eCRF",
            "SourceSystem": f"{study.product} eCRF",
            "SourceSystemVersion": "1.0",
            "Description": description,
        }
        with open(path, "wb") as handle, etree.xmlfile(handle, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(_tag("ODM"), attrib, nsmap={None: ODM_NS}):
                xf.write(study_element(study, definitions, forms, groups, mdv_oid, lengths))
                xf.write(admin_element(study, sites, mdv_oid, effective, SignatureMeaning.choices))
                xf.flush()
                handle.flush()
                with open(clinical_path, "rb") as clinical_data:
                    shutil.copyfileobj(clinical_data, handle, 1 << 20)
    finally:
        clinical_path.unlink(missing_ok=True)
    return counts
