"""No export carries a live formula: text starting with = + - @ is neutralised in every CSV
(leading apostrophe) and typed as a string in the XLSX (no <f> element)."""

import csv
import io
import zipfile

import openpyxl
import pytest

from adverse_events.models import AdverseEvent
from tests.exports.test_formats import export
from trial.audit import audit_context

PAYLOAD = '=HYPERLINK("http://x","open")'
NEUTRALISED = "'" + PAYLOAD


@pytest.fixture
def formula_ae(data):
    """The dosed subject's AE with a formula in its verbatim term and treatment given."""
    ae = AdverseEvent.objects.filter(subject=data.dosed).order_by("sequence").first()
    with audit_context(by=data.users["coord_a"], reason="-1+2 as a reason"):
        AdverseEvent.objects.filter(pk=ae.pk).update(
            verbatim_term=PAYLOAD, treatment_given="@SUM(A1:A9)"
        )
    return ae


def _zip_csv(path, member) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.StringIO(archive.read(member).decode())))


def test_crf_csv_zip_neutralises_formulas(data, formula_ae):
    _run, path = export(data, "csv")
    rows = {int(r["record_id"]): r for r in _zip_csv(path, "adverse_events.csv")}
    assert rows[formula_ae.pk]["verbatim_term"] == NEUTRALISED
    assert rows[formula_ae.pk]["treatment_given"] == "'@SUM(A1:A9)"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                for row in csv.reader(io.StringIO(archive.read(name).decode())):
                    assert not any(cell.startswith(("=", "@")) for cell in row), (name, row)


def _xlsx_ae_cell(path, ae, column):
    """The AE's cell in the adverse_events sheet, after checking no sheet has a formula."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
    sheet = openpyxl.load_workbook(path)["adverse_events"]
    header = [c.value for c in next(sheet.iter_rows())]
    cells = {
        row[header.index("record_id")].value: row[header.index(column)]
        for row in sheet.iter_rows(min_row=2)
    }
    return cells[ae.pk]


def test_xlsx_types_formula_text_as_strings(data, formula_ae):
    _run, path = export(data, "xlsx")
    cell = _xlsx_ae_cell(path, formula_ae, "verbatim_term")
    assert cell.value == PAYLOAD and cell.data_type == "s"


def test_xlsx_writes_rich_text_markup_as_its_text(data, formula_ae):
    """XlsxWriter copies text shaped like its rich-text markup into the sheet unescaped:
    written as a plain string, this verbatim term would be a formula cell."""
    markup = '<r></r></is><f>HYPERLINK("http://x","open")</f><is><r></r>'
    AdverseEvent.objects.filter(pk=formula_ae.pk).update(verbatim_term=markup)
    _run, path = export(data, "xlsx")
    cell = _xlsx_ae_cell(path, formula_ae, "verbatim_term")
    assert (cell.value, cell.data_type) == (markup, "s")


def test_xlsx_keeps_negative_numbers_numeric(data, formula_ae):
    """Numbers are never neutralised: a numeric column stays a number cell."""
    _run, path = export(data, "xlsx")
    sheet = openpyxl.load_workbook(path)["adverse_events"]
    header = [c.value for c in next(sheet.iter_rows())]
    grades = [row[header.index("grade")] for row in sheet.iter_rows(min_row=2)]
    assert grades and all(c.data_type == "n" for c in grades)


def test_audit_trail_csv_neutralises_formulas(data, formula_ae):
    _run, path = export(data, "audit")
    rows = list(csv.DictReader(io.StringIO(path.getvalue().decode("utf-8"))))
    changed = [r for r in rows if r["field"] == "verbatim_term" and PAYLOAD in r["new_value"]]
    assert changed and all(r["new_value"] == NEUTRALISED for r in changed)
    assert {r["reason"] for r in rows if r["field"] == "verbatim_term"} >= {"'-1+2 as a reason"}
    assert not any(v.startswith(("=", "@")) for r in rows for v in r.values())


def test_sdtm_csv_neutralises_formulas_and_xpt_keeps_the_text(data, formula_ae):
    from tests.exports.test_xport import read_xpt

    _run, path = export(data, "sdtm")
    rows = _zip_csv(path, "ae.csv")
    assert NEUTRALISED in {r["AETERM"] for r in rows}
    with zipfile.ZipFile(path) as archive:
        _name, _label, variables, xpt_rows = read_xpt(archive.read("ae.xpt"))
    position = [v[0] for v in variables].index("AETERM")
    terms = {row[position] for row in xpt_rows}
    assert PAYLOAD in terms and NEUTRALISED not in terms
