"""define.xml (CDISC Define-XML 2.1) for the SDTM datasets of an export, with lxml.

Written from the declaration of each domain the datasets are written from
(review.sdtm.SdtmDomain: variables, keys, origins, codelists and value-level metadata) and from what
the export's pass over the rows learnt (`DatasetShape`: lengths, whether a date has a time,
the coded values used, the test codes present). So define.xml describes exactly the files
beside it: the same OIDs as the Dataset-JSON files (`IT.<domain>.<variable>`,
`IG.<domain>`), the lengths of the transport files. No Django here.

Codelists list the values the export holds (define.xml describes the data, not the whole
CDISC codelist) with the CDISC codelist's NCI code where it is one; dictionaries (CTCAE,
ISO 3166) are external codelists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from exports.dataset_json import item_group_oid, item_oid, timestamp
from exports.xport import MAX_CHAR_LENGTH, ascii_text
from review import sdtm

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DEFINE_VERSION = "2.1.0"
STANDARD_OID = "STD.SDTMIG"
MAX_CODED_VALUES = 500
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML


def _o(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DEF_NS}}}{tag}"


@dataclass
class _Values:
    """What one variable (or one variable for one test code) holds."""

    length: int = 0
    decimals: int = 0
    timed: bool = False
    all_numbers: bool = True
    all_integers: bool = True
    present: bool = False
    coded: set[str] = field(default_factory=set)

    def see(self, text: str, *, numeric: bool, temporal: bool, coded: bool) -> None:
        if not text:
            return
        self.present = True
        size = len(text) if numeric else len(ascii_text(text))
        self.length = max(self.length, min(size, MAX_CHAR_LENGTH))
        if temporal and "T" in text:
            self.timed = True
        if _NUMBER.match(text):
            if "." in text:
                self.all_integers = False
                self.decimals = max(self.decimals, len(text.split(".", 1)[1]))
        else:
            self.all_numbers = self.all_integers = False
        if coded and len(self.coded) < MAX_CODED_VALUES:
            self.coded.add(_CONTROL_CHARACTERS.sub("", ascii_text(text)[:MAX_CHAR_LENGTH]))


class DatasetShape:
    """What the pass over a dataset's rows (its CSV values, in variable order) learns."""

    def __init__(self, spec: sdtm.SdtmDomain):
        self.spec = spec
        self.domain = spec.domain
        self.variables = spec.variables
        self.values = {v.name: _Values() for v in self.variables}
        self._coded = [_coded_values(spec, v.name) and not v.numeric for v in self.variables]
        value_level = spec.value_level
        self._testcd = None
        if value_level:
            testcd, results, self._vl_coded = value_level
            names = [v.name for v in self.variables]
            self._testcd = names.index(testcd)
            self._test = names.index(_test_name_variable(testcd))
            self._results = [(names.index(n), self.variables[names.index(n)]) for n in results]
        self.tests: dict[str, str] = {}  # test code -> test name, in order of appearance
        self.value_level: dict[tuple[str, str], _Values] = {}

    @property
    def lengths(self) -> dict[str, int]:
        """Transport length of each character variable (at least 1)."""
        return {v.name: max(1, self.values[v.name].length) for v in self.variables if not v.numeric}

    def json_type(self, variable: sdtm.Variable) -> str:
        if variable.type == sdtm.INTEGER:
            return "integer"
        if variable.type == sdtm.FLOAT:
            return "double"
        if variable.temporal:
            return "datetime" if self.values[variable.name].timed else "date"
        return "string"

    def see(self, values: list[str]) -> None:
        for variable, text, coded in zip(self.variables, values, self._coded, strict=True):
            self.values[variable.name].see(
                text, numeric=variable.numeric, temporal=variable.temporal, coded=coded
            )
        if self._testcd is None or not values[self._testcd]:
            return
        testcd = values[self._testcd]
        self.tests.setdefault(testcd, values[self._test])
        for index, variable in self._results:
            key = (variable.name, testcd)
            self.value_level.setdefault(key, _Values()).see(
                values[index],
                numeric=variable.numeric,
                temporal=False,
                coded=self._vl_coded and not variable.numeric,
            )


def _coded_values(spec: sdtm.SdtmDomain, name: str) -> bool:
    codelist = spec.codelist(name)
    return codelist is not None and not codelist.dictionary


def _test_name_variable(testcd: str) -> str:
    return testcd.replace("TESTCD", "TEST").replace("PARMCD", "PARM")


def _xml_text(text: str) -> str:
    return _CONTROL_CHARACTERS.sub("", text)


def _described(parent, text: str):
    description = etree.SubElement(parent, _o("Description"))
    etree.SubElement(description, _o("TranslatedText"), {XML_LANG: "en"}).text = _xml_text(text)
    return description


@dataclass(frozen=True)
class StudyFacts:
    study_oid: str
    metadata_version_oid: str
    protocol: str
    title: str
    sponsor: str
    system: str
    system_version: str
    created: datetime  # aware


class _Methods:
    """One MethodDef per distinct derivation text, named after the first variable using it."""

    def __init__(self):
        self.by_text: dict[str, tuple[str, str]] = {}

    def oid(self, text: str, name: str) -> str:
        if text not in self.by_text:
            self.by_text[text] = (f"MT.{len(self.by_text) + 1:03d}", name)
        return self.by_text[text][0]


def _data_type(variable: sdtm.Variable, values: _Values, shape: DatasetShape) -> str:
    if variable.numeric:
        return variable.type
    if variable.temporal:
        return "datetime" if values.timed else "date"
    return "text"


def _value_data_type(variable: sdtm.Variable, values: _Values) -> str:
    if variable.numeric:
        return variable.type
    if values.present and values.all_numbers:
        return "integer" if values.all_integers else "float"
    return "text"


def _item_def(
    parent,
    oid: str,
    variable: sdtm.Variable,
    data_type: str,
    values: _Values,
    description: str,
    origin: sdtm.Origin,
    codelist_oid: str | None = None,
    value_list_oid: str | None = None,
):
    attributes = {"OID": oid, "Name": variable.name, "DataType": data_type}
    if data_type in ("text", "integer", "float"):
        attributes["Length"] = str(max(1, values.length))
    if data_type == "float":
        attributes["SignificantDigits"] = str(values.decimals)
    attributes["SASFieldName"] = variable.name
    item = etree.SubElement(parent, _o("ItemDef"), attributes)
    _described(item, description)
    if codelist_oid:
        etree.SubElement(item, _o("CodeListRef"), {"CodeListOID": codelist_oid})
    origin_attributes = {"Type": origin.type}
    if origin.source:
        origin_attributes["Source"] = origin.source
    etree.SubElement(item, _d("Origin"), origin_attributes)
    if value_list_oid:
        etree.SubElement(item, _d("ValueListRef"), {"ValueListOID": value_list_oid})
    return item


def define_document(facts: StudyFacts, shapes: Iterable[DatasetShape]) -> etree._ElementTree:
    """The define.xml of the datasets whose shapes are given (in dataset order)."""
    shapes = list(shapes)
    root = etree.Element(
        _o("ODM"),
        {
            "FileType": "Snapshot",
            "FileOID": f"{facts.study_oid}.DEFINE",
            "ODMVersion": "1.3.2",
            "CreationDateTime": timestamp(facts.created),
            "Originator": facts.sponsor or "eCRF",
            "SourceSystem": facts.system,
            "SourceSystemVersion": facts.system_version,
            _d("Context"): "Submission",
        },
        nsmap={None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS},
    )
    study = etree.SubElement(root, _o("Study"), {"OID": facts.study_oid})
    globals_ = etree.SubElement(study, _o("GlobalVariables"))
    etree.SubElement(globals_, _o("StudyName")).text = facts.protocol
    etree.SubElement(globals_, _o("StudyDescription")).text = _xml_text(facts.title)
    etree.SubElement(globals_, _o("ProtocolName")).text = facts.protocol
    version = etree.SubElement(
        study,
        _o("MetaDataVersion"),
        {
            "OID": facts.metadata_version_oid,
            "Name": f"{facts.protocol} SDTM",
            "Description": f"SDTM {sdtm.SDTM_VERSION} / SDTMIG {sdtm.SDTMIG_VERSION} datasets",
            _d("DefineVersion"): DEFINE_VERSION,
        },
    )
    standards = etree.SubElement(version, _d("Standards"))
    etree.SubElement(
        standards,
        _d("Standard"),
        {
            "OID": STANDARD_OID,
            "Name": "SDTMIG",
            "Type": "IG",
            "Version": sdtm.SDTMIG_VERSION,
            "Status": "Final",
        },
    )

    value_lists, where_clauses, groups, items = [], [], [], []
    codelists: dict[str, tuple[sdtm.Codelist, set[str]]] = {}
    methods = _Methods()
    vl_items = []

    def use_codelist(codelist: sdtm.Codelist, values: set[str]) -> str | None:
        if not codelist.dictionary and not values:
            return None
        codelists.setdefault(codelist.oid, (codelist, set()))[1].update(values)
        return codelist.oid

    for shape in shapes:
        spec = shape.spec
        domain = spec.domain
        keys = spec.keys
        group = etree.Element(
            _o("ItemGroupDef"),
            {
                "OID": item_group_oid(domain),
                "Name": domain,
                "SASDatasetName": domain,
                "Domain": domain,
                "Repeating": "Yes" if spec.repeating else "No",
                "IsReferenceData": "Yes" if spec.reference_data else "No",
                "Purpose": "Tabulation",
                _d("Structure"): spec.structure,
                _d("StandardOID"): STANDARD_OID,
                _d("ArchiveLocationID"): f"LF.{domain}",
            },
        )
        _described(group, spec.label)
        value_level = spec.value_level
        for order, variable in enumerate(shape.variables, start=1):
            values = shape.values[variable.name]
            origin = spec.origin(variable.name)
            ref = {
                "ItemOID": item_oid(domain, variable.name),
                "OrderNumber": str(order),
                "Mandatory": "Yes" if spec.is_required(variable.name) else "No",
            }
            if variable.name in keys:
                ref["KeySequence"] = str(keys.index(variable.name) + 1)
            if origin.method:
                ref["MethodOID"] = methods.oid(origin.method, f"{domain}.{variable.name}")
            if not values.present:
                ref[_d("HasNoData")] = "Yes"
            etree.SubElement(group, _o("ItemRef"), ref)

            value_list_oid = None
            if value_level and variable.name in value_level[1] and shape.tests:
                value_list_oid = f"VL.{domain}.{variable.name}"
                value_lists.append(
                    _value_list(
                        shape, variable, value_level[0], value_list_oid, where_clauses,
                        vl_items, methods, use_codelist,
                    )
                )  # fmt: skip
            codelist = spec.codelist(variable.name)
            codelist_oid = use_codelist(codelist, values.coded) if codelist else None
            items.append(
                (
                    item_oid(domain, variable.name),
                    variable,
                    _data_type(variable, values, shape),
                    values,
                    variable.label,
                    origin,
                    codelist_oid,
                    value_list_oid,
                )
            )
        etree.SubElement(group, _d("Class"), {"Name": spec.class_name})
        leaf = etree.SubElement(
            group,
            _d("leaf"),
            {"ID": f"LF.{domain}", f"{{{XLINK_NS}}}href": f"{domain.lower()}.xpt"},
        )
        etree.SubElement(leaf, _d("title")).text = f"{domain.lower()}.xpt"
        groups.append(group)

    version.extend(value_lists)
    version.extend(where_clauses)
    version.extend(groups)
    for item in items + vl_items:
        _item_def(version, *item)
    for codelist, values in codelists.values():
        _codelist(version, codelist, values)
    for text, (oid, name) in methods.by_text.items():
        method = etree.SubElement(
            version,
            _o("MethodDef"),
            {"OID": oid, "Name": f"Algorithm for {name}", "Type": "Computation"},
        )
        _described(method, text)
    return etree.ElementTree(root)


def _value_list(shape, variable, testcd_name, oid, where_clauses, vl_items, methods, use_codelist):
    domain = shape.domain
    value_list = etree.Element(_d("ValueListDef"), {"OID": oid})
    codelist = shape.spec.codelist(variable.name)
    for order, (testcd, test) in enumerate(shape.tests.items(), start=1):
        values = shape.value_level.get((variable.name, testcd), _Values())
        where = f"WC.{domain}.{testcd_name}.{testcd}"
        if not any(w.get("OID") == where for w in where_clauses):
            clause = etree.Element(_d("WhereClauseDef"), {"OID": where})
            check = etree.SubElement(
                clause,
                _o("RangeCheck"),
                {
                    "Comparator": "EQ",
                    "SoftHard": "Soft",
                    _d("ItemOID"): item_oid(domain, testcd_name),
                },
            )
            etree.SubElement(check, _o("CheckValue")).text = _xml_text(testcd)
            where_clauses.append(clause)
        item = f"IT.{domain}.{variable.name}.{testcd}"
        origin = shape.spec.value_origin(variable.name, testcd)
        attributes = {"ItemOID": item, "OrderNumber": str(order), "Mandatory": "No"}
        if origin.method:
            attributes["MethodOID"] = methods.oid(
                origin.method, f"{domain}.{variable.name}.{testcd}"
            )
        ref = etree.SubElement(value_list, _o("ItemRef"), attributes)
        etree.SubElement(ref, _d("WhereClauseRef"), {"WhereClauseOID": where})
        codelist_oid = None
        if values.coded:
            codelist_oid = use_codelist(
                sdtm.Codelist(f"CL.{domain}.{testcd}", _xml_text(f"{test} results")),
                values.coded,
            )
        elif codelist is not None:
            codelist_oid = use_codelist(codelist, values.coded)
        vl_items.append(
            (
                item,
                variable,
                _value_data_type(variable, values),
                values,
                f"{variable.label} ({testcd_name} {testcd}: {test})",
                origin,
                codelist_oid,
                None,
            )
        )
    return value_list


def _codelist(parent, codelist: sdtm.Codelist, values: set[str]) -> None:
    element = etree.SubElement(
        parent, _o("CodeList"), {"OID": codelist.oid, "Name": codelist.name, "DataType": "text"}
    )
    if codelist.dictionary:
        attributes = {"Dictionary": codelist.dictionary}
        if codelist.version:
            attributes["Version"] = codelist.version
        etree.SubElement(element, _o("ExternalCodeList"), attributes)
    else:
        for order, value in enumerate(sorted(values), start=1):
            etree.SubElement(
                element, _o("EnumeratedItem"), {"CodedValue": value, "OrderNumber": str(order)}
            )
    if codelist.nci_code:
        etree.SubElement(
            element, _o("Alias"), {"Context": "nci:ExtCodeID", "Name": codelist.nci_code}
        )


def write_define(path, facts: StudyFacts, shapes: Iterable[DatasetShape]) -> None:
    define_document(facts, shapes).write(
        str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
