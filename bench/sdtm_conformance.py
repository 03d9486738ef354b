"""Check an SDTM export against CDISC's schemas at the large seed's scale: every Dataset-JSON
file against the Dataset-JSON v1.1 schema and dsjframe's reader and value by value against
its transport file, define.xml against the Define-XML 2.1 schema and against the files
beside it (tests/exports/sdtm_checks.py, the checks the tests run on small trials).

Prints per check the time and what it found; exit status 1 when anything is found. Needs the
development dependencies (dsjframe, defineutils). See bench/README.md.

    DATABASE_URL=postgresql://... .venv/bin/python bench/sdtm_conformance.py
    .venv/bin/python bench/sdtm_conformance.py --zip sdtm.zip
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _export(output: Path) -> float:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from exports import services

    started = time.perf_counter()
    run = services.export_to_path(by=None, format="sdtm", output=output)
    if run.status != "done":
        raise SystemExit(f"SDTM export failed: {run.error}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="an SDTM export zip (default: export one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="sdtm-conformance-") as work:
        archive = args.zip
        if archive is None:
            archive = Path(work) / "sdtm.zip"
            print(f"export: {_export(archive):.1f} s, {archive.stat().st_size / 2**20:.1f} MB")
        from tests.exports import sdtm_checks

        with zipfile.ZipFile(archive) as opened:
            files = {name: opened.read(name) for name in opened.namelist()}
        found = []
        started = time.perf_counter()
        records = 0
        for domain in sdtm_checks.DOMAINS:
            problems = sdtm_checks.dataset_json_problems(files, domain)
            problems += sdtm_checks.dataset_json_differences(files, domain)
            count = json.loads(files[f"{domain}.json"])["records"]
            records += count
            print(f"  {domain}: {count} records, {len(problems)} problems")
            found += problems
        print(
            f"Dataset-JSON v1.1: {records} records in {len(sdtm_checks.DOMAINS)} datasets, "
            f"schema + dsjframe + equal to the .xpt: {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        schema_errors = sdtm_checks.define_schema_errors(files["define.xml"])
        problems = sdtm_checks.define_problems(files)
        print(
            f"define.xml ({len(files['define.xml']) / 1024:.0f} KB): {len(schema_errors)} schema "
            f"errors, {len(problems)} other problems: {time.perf_counter() - started:.1f} s"
        )
        found += schema_errors + problems
        for problem in found[:50]:
            print(f"  {problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
