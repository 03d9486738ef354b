"""Check the SDTM export with CDISC's open rules engine (CORE), as a regulatory reviewer does.

CORE is not a dependency of this project and none of its code is here: it is set up once per
machine outside the repository (see docs/exports.md, "CDISC CORE") and found through
CDISC_CORE_ROOT (or --core-root). This script takes an SDTM export zip (or makes one from
the database DATABASE_URL points to), puts its .xpt files in a folder of their own (CORE
refuses a folder mixing formats), runs CORE for each SDTMIG version asked and prints, per
version, the rules run, skipped and failed and every issue. Exit status 1 when an issue is
left that is not a known false positive (KNOWN_FALSE_POSITIVES).

    CDISC_CORE_ROOT=/work/cdisc-core .venv/bin/python bench/cdisc_core.py --zip sdtm.zip
    DATABASE_URL=postgresql://... .venv/bin/python bench/cdisc_core.py --versions 3-4 3-2
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Issues that are CORE's, not the export's: (SDTMIG version, rule, dataset) -> why.
KNOWN_FALSE_POSITIVES = {
    # The title-case check flags the IGs' own labels: TRMETHOD "Method used to Identify the
    # Tumor" is SDTMIG 3.2's wording (3.4 capitalises "Used"; the export writes 3.4's), and
    # ARMNRS "Reason Arm and/or Actual Arm is Null" is SDTMIG 3.4's.
    ("3-2", "CORE-000594", "tr.xpt"): "TRMETHOD label is SDTMIG 3.2's own wording",
    ("3-2", "CORE-000594", "dm.xpt"): "ARMNRS label is SDTMIG 3.4's own wording",
    ("3-4", "CORE-000594", "dm.xpt"): "ARMNRS label is SDTMIG 3.4's own wording",
    # The required-variables check lists USUBJID for the trial design datasets, which have
    # no subjects (SDTMIG 3.4 section 7).
    **{
        (version, "CORE-000355", f"{name}.xpt"): "USUBJID is no trial design variable"
        for version in ("3-2", "3-4")
        for name in ("ta", "te", "ti", "ts", "tv")
    },
}
# Two conformance rules that contradict each other on one row, with the guidance they both
# cite (SDTMIG 3.4 DM, RFENDTC: "Required for all randomized subjects; null for screen
# failures or unassigned subjects"): CG0529 (CORE-000191) wants RFENDTC when ARM is given,
# CG0530 (CORE-000192) wants none when ARMNRS is. A subject assigned a dose level and not
# treated has both ARM and ARMNRS "ASSIGNED, NOT TREATED" (SDTMIG 3.4): it is assigned, so
# the export follows the guidance and CORE-000191, and CORE-000192 misfires on that row only.
# (SDTMIG version, rule, dataset) -> (the values of the rows it misfires on, why).
KNOWN_RULE_CONFLICTS = {
    ("3-4", "CORE-000192", "dm.xpt"): (
        {"ARMNRS": "ASSIGNED, NOT TREATED"},
        "an assigned subject has RFENDTC (CORE-000191; SDTMIG 3.4 DM)",
    ),
}
# Skipped rules that name a trial design dataset but read something else this export does
# not make: they are not skipped for want of a trial design dataset.
NOT_TRIAL_DESIGN_GAPS = {
    "CORE-000020": "reads SE (subject elements) TAETORD/ETCD",
    "CORE-000151": "reads TSVAL1, used only for values over 200 characters",
    "CORE-000249": "reads SV.VISITDY (permissible in SV, not produced)",
}


def _known(issue: dict, version: str) -> bool:
    key = (version, issue["core_id"], issue.get("dataset") or "")
    if key in KNOWN_FALSE_POSITIVES:
        return True
    if key in KNOWN_RULE_CONFLICTS:
        values = dict(zip(issue.get("variables", ()), issue.get("values", ()), strict=False))
        expected, _why = KNOWN_RULE_CONFLICTS[key]
        return all(values.get(name) == value for name, value in expected.items())
    return False


# A rule is skipped when a dataset or variable it reads is absent. The report gives no
# reason, so rules are told apart by their message: one naming a trial design dataset or
# one of their variables, and no other special-purpose dataset this export does not make
# (SE, subject elements), is skipped for want of trial design datasets.
_TRIAL_DESIGN = re.compile(
    r"\b(TS|TA|TE|TV|TI|TSPARMCD|TSPARM|TSVAL\w*|TAETORD|TEENRL|TEDUR|TESTRL|TVSTRL|"
    r"ARMCD in TA|ARM variable in TA)\b"
)
_OTHER_DATASETS = re.compile(r"\b(SE|SESTDTC|SEENDTC|SEUPDES|SETCD|Subject Elements)\b")


def skipped_for_trial_design(rule: dict) -> bool:
    message = rule.get("message", "")
    return bool(_TRIAL_DESIGN.search(message)) and not _OTHER_DATASETS.search(message)


def core_ready(core_root: Path | None) -> str | None:
    """None when CORE is set up under `core_root`, else why not."""
    if core_root is None:
        return "CDISC_CORE_ROOT is not set"
    for part in ("venv/bin/python", "run_core.py", "src092/core.py", "cache"):
        if not (core_root / part).exists():
            return f"{core_root / part} is missing (CORE not set up there)"
    return None


def extract_xpt(archive: Path, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            if name.endswith(".xpt"):
                (folder / Path(name).name).write_bytes(zipped.read(name))
                names.append(Path(name).name)
    return sorted(names)


def run_core(core_root: Path, xpt_folder: Path, version: str, out: Path) -> dict:
    """Run CORE's `validate` on the folder for SDTMIG `version` ("3-4"); the JSON report."""
    report = out / f"sdtmig{version.replace('-', '')}"
    command = [
        str(core_root / "venv/bin/python"),
        str(core_root / "run_core.py"),
        "validate",
        "-ca",
        str(core_root / "cache"),
        "-s",
        "sdtmig",
        "-v",
        version,
        "-d",
        str(xpt_folder),
        "-of",
        "JSON",
        "-o",
        str(report),
        "-ps",
        "2",
        "-l",
        "disabled",
        "-p",
        "disabled",
    ]
    # The report template path is relative to CORE's source folder.
    done = subprocess.run(
        command, cwd=core_root / "src092", capture_output=True, text=True, check=False
    )
    path = report.with_suffix(".json")
    if not path.exists():
        raise RuntimeError(f"CORE wrote no report (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(path.read_text())


def summary(report: dict, version: str) -> dict:
    """Rules by status, the issues (false positives apart) and the rules skipped."""
    rules = report["Rules_Report"]
    details = report["Issue_Details"]
    issues = [d for d in details if not _known(d, version)]
    return {
        "version": version,
        "rules": dict(collections.Counter(r["status"] for r in rules)),
        "issues": issues,
        "known_false_positives": [d for d in details if _known(d, version)],
        "skipped": [r for r in rules if r["status"] == "SKIPPED"],
        "missing_trial_design": [
            r
            for r in rules
            if r["status"] == "SKIPPED"
            and skipped_for_trial_design(r)
            and r["core_id"] not in NOT_TRIAL_DESIGN_GAPS
        ],
    }


def describe(result: dict) -> str:
    lines = [
        f"SDTMIG {result['version']}: rules {result['rules']}, "
        f"{len(result['issues'])} issues, "
        f"{len(result['known_false_positives'])} known false positives",
    ]
    by_rule = collections.Counter(i["core_id"] for i in result["issues"])
    for core_id, n in by_rule.most_common():
        example = next(i for i in result["issues"] if i["core_id"] == core_id)
        values = dict(zip(example["variables"], example["values"], strict=False))
        lines.append(
            f"  {core_id} x{n} {example.get('dataset') or example.get('domain')}: "
            f"{example['message'][:100]} e.g. {example['USUBJID']} {values}"
        )
    lines.append(
        f"  {len(result['skipped'])} rules skipped (a dataset or variable they read is absent), "
        f"{len(result['missing_trial_design'])} of them for a trial design dataset:"
    )
    for rule in result["missing_trial_design"]:
        lines.append(f"    {rule['core_id']}: {rule.get('message', '')[:90]}")
    return "\n".join(lines)


def _export_from_database(output: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from exports import services

    run = services.export_to_path(by=None, format="sdtm", output=output)
    if run.status != "done":
        raise SystemExit(f"SDTM export failed: {run.error}")
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="an SDTM export zip (default: export one)")
    parser.add_argument("--versions", nargs="+", default=["3-4", "3-2"])
    parser.add_argument("--core-root", type=Path, default=os.environ.get("CDISC_CORE_ROOT"))
    parser.add_argument("--reports", type=Path, help="keep CORE's JSON reports in this folder")
    args = parser.parse_args()
    core_root = Path(args.core_root) if args.core_root else None
    problem = core_ready(core_root)
    if problem:
        raise SystemExit(problem)
    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cdisc-core-") as work:
        work = Path(work)
        archive = args.zip or _export_from_database(work / "sdtm.zip")
        datasets = extract_xpt(archive, work / "xpt")
        print(f"{archive}: {', '.join(datasets)}")
        failed = False
        for version in args.versions:
            started = time.perf_counter()
            report = run_core(core_root, work / "xpt", version, args.reports or work)
            result = summary(report, version)
            print(describe(result))
            print(f"  ({time.perf_counter() - started:.0f} s)")
            failed |= bool(result["issues"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
