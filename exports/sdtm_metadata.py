"""What define.xml says of the SDTM variables beyond name, label and type: origin (and how a
derived value is computed), whether the SDTMIG requires a value, the codelist, the
value-level metadata, and each dataset's class and structure. Pure data and functions.

These tables cover the domains still specified in exports (exports.sdtm.DOMAINS);
`legacy_domain` gives each its declaration (review.sdtm.SdtmDomain, which refuses a name
that is not one of its variables), as a CRF app declares its own domains beside its kind.
A variable named alone ("AGE") holds in every dataset, "TA.ARMCD" in one. Variables not
named are collected on the CRF by the investigator's site.
"""

from __future__ import annotations

from exports import sdtm
from review.sdtm import EPOCH_DERIVATION, NY, Codelist, SdtmDomain

TRIAL_DESIGN = ("TS", "TA", "TE", "TV", "TI")

DERIVATIONS: dict[str, str] = {
    "USUBJID": "STUDYID, '-' and the subject number (the screening number before enrollment).",
    "RFSTDTC": (
        "Date/time of the first dose given (EX); for a subject assigned a dose level and not "
        "(yet) treated, the enrolment."
    ),
    "RFXSTDTC": "Date/time of the first dose given (EX).",
    "RFENDTC": (
        "Date/time of the last dose given (EX); for a subject assigned a dose level and not "
        "(yet) treated, the end of participation (RFPENDTC), else the enrolment."
    ),
    "RFXENDTC": "Date/time of the last dose given (EX).",
    "RFICDTC": "Date/time the informed consent was signed (consent form).",
    "RFPENDTC": (
        "Date of the last disposition ending participation (end of study, withdrawal, lost to "
        "follow-up, death), else of the screen failure."
    ),
    "DTHDTC": "Date of the death disposition.",
    "DTHFL": "Y when a death disposition is recorded.",
    "AGE": "Whole years from BRTHDTC to the date of informed consent.",
    "ACTARMCD": "The planned arm when at least one dose was given, else null.",
    "ACTARM": "The planned arm when at least one dose was given, else null.",
    "ARMNRS": (
        "SCREEN FAILURE for a screen failure, NOT ASSIGNED before a dose level is assigned, "
        "ASSIGNED, NOT TREATED when no dose was given."
    ),
    "COUNTRY": "The site's country as ISO 3166-1 alpha-3.",
    "DMDTC": "Date the subject was registered for screening.",
    "EPOCH": EPOCH_DERIVATION,
    "DSDECOD": (
        "Consent, screen failure and the disposition's kind as NCOMPLT (or protocol "
        "milestone) term; end of treatment COMPLETED when every planned cycle was given."
    ),
    "TSSEQ": "Counts the values of each parameter from 1.",
}

# Values the sponsor or the system sets, not read from a CRF field.
ASSIGNED_VARIABLES = frozenset(
    {
        "STUDYID", "DOMAIN", "SUBJID", "SITEID", "ARMCD", "ARM", "ACTARMUD", "AGEU",
        "IETESTCD", "IETEST", "IECAT", "DSCAT",
    }
)  # fmt: skip

# The SDTMIG's Required variables: never null.
REQUIRED_VARIABLES = frozenset(
    {
        "STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY",
        "IETESTCD", "IETEST", "IECAT", "DSSEQ", "DSTERM", "DSDECOD",
        "TSSEQ", "TSPARMCD", "TSPARM",
        "TA.ARMCD", "TA.ARM", "TAETORD", "TA.ETCD", "TA.ELEMENT", "TA.EPOCH", "TE.ETCD",
        "TE.ELEMENT", "TESTRL", "TV.VISITNUM", "TI.IETESTCD", "TI.IETEST", "TI.IECAT",
    }
)  # fmt: skip


CODELISTS: dict[str, Codelist] = {
    "DTHFL": NY,
    "SEX": Codelist("CL.SEX", "Sex", "C66731"),
    "AGEU": Codelist("CL.AGEU", "Age Unit", "C66781"),
    "RACE": Codelist("CL.RACE", "Race", "C74457"),
    "ETHNIC": Codelist("CL.ETHNIC", "Ethnic Group", "C66790"),
    "COUNTRY": Codelist("CL.COUNTRY", "Country", dictionary="ISO 3166", version="2020"),
    "ARMNRS": Codelist("CL.ARMNULRS", "Arm Null Reason", "C142179"),
    "EPOCH": Codelist("CL.EPOCH", "Epoch"),
    "DSDECOD": Codelist("CL.DSDECOD", "Disposition Event and Protocol Milestone"),
    "DSCAT": Codelist("CL.DSCAT", "Category for Disposition Event"),
    "IECAT": Codelist("CL.IECAT", "Category for Inclusion/Exclusion"),
    "TI.IETESTCD": Codelist("CL.IETESTCD", "Inclusion/Exclusion Criterion Short Name"),
    "TSPARMCD": Codelist("CL.TSPARMCD", "Trial Summary Parameter Test Code", "C66738"),
}

# Value-level metadata: where a test code decides what a result means (its type, length,
# unit or codelist), define.xml describes the result once per test code. dataset ->
# (the test code variable, the results it qualifies, whether text results are coded).
VALUE_LEVEL: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "TS": ("TSPARMCD", ("TSVAL",), False),
}

CLASSES = {
    "DM": "SPECIAL PURPOSE",
    "DS": "EVENTS",
    **{domain: "TRIAL DESIGN" for domain in TRIAL_DESIGN},
}
STRUCTURES = {
    "DM": "One record per subject",
    "DS": "One record per disposition status or protocol milestone per subject",
    "TS": "One record per trial summary parameter value",
    "TA": "One record per planned Element per Arm",
    "TE": "One record per planned Element",
    "TV": "One record per planned Visit per Arm",
    "TI": "One record per I/E criterion",
}


def _lookup(table, domain: str, name: str):
    return table.get(f"{domain}.{name}", table.get(name))


def legacy_domain(domain: str, records, position: int, count=None) -> SdtmDomain:
    """A domain still specified by the tables of exports (not yet declared by its CRF's app,
    review.sdtm.SdtmDomain): its own entries of every table above."""
    variables = sdtm.DOMAINS[domain]
    names = [v.name for v in variables]
    return SdtmDomain(
        domain=domain,
        label=sdtm.DATASET_LABELS[domain],
        variables=variables,
        keys=sdtm.DATASET_KEYS[domain],
        class_name=CLASSES[domain],
        structure=STRUCTURES[domain],
        records=records,
        position=position,
        count=count,
        derivations={
            name: method
            for name in names
            if (method := _lookup(DERIVATIONS, domain, name)) is not None
        },
        assigned=frozenset(name for name in names if name in ASSIGNED_VARIABLES),
        required=frozenset(
            name
            for name in names
            if f"{domain}.{name}" in REQUIRED_VARIABLES or name in REQUIRED_VARIABLES
        ),
        codelists={
            name: codelist for name in names if (codelist := _lookup(CODELISTS, domain, name))
        },
        value_level=VALUE_LEVEL.get(domain),
        reference_data=domain in TRIAL_DESIGN,
        repeating=domain != "DM",
    )
