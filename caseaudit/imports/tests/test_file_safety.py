"""Hostile or damaged files: workbooks that expand enormously (zip bombs), lie about their size
or hold unsafe XML, files over the row limit, CSV files with NUL bytes. Each is refused with a
clear message, before it costs the server time or memory, and changes nothing."""

import io
import zipfile

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from caseaudit.imports import services
from caseaudit.imports.models import ImportRun, ImportStatus
from caseaudit.imports.services import ImportRefused, case_file_import

from .helpers import CASE_HEADER, case_row, csv_bytes, model_counts

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"


def workbook_bytes(org, rows: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(CASE_HEADER)
    for i in range(rows):
        row = case_row(case_id=f"X{i}", allocated_worker_id=org.worker.staff_id)
        sheet.append([row.get(h, "") for h in CASE_HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, member: str, change) -> bytes:
    """The workbook with one member's content changed by `change(bytes) -> bytes`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = change(content)
            target.writestr(info.filename, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def dimension_says(ref: str):
    def change(xml: bytes) -> bytes:
        start = xml.index(b"<dimension ref=")
        end = xml.index(b"/>", start)
        return xml[:start] + f'<dimension ref="{ref}"'.encode() + xml[end:]

    return change


def post_cases(client, name, data, content_type=XLSX):
    return client.post(
        reverse("import_cases"),
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
    )


def refusal(data: bytes, name: str = "cases.xlsx") -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        case_file_import(file=data, file_name=name, by=None, source_format="csv")
    return [str(e) for e in caught.value.errors]


def test_openpyxl_parses_workbooks_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True
    # lxml is installed (python-docx needs it), but openpyxl must not parse with it.
    assert openpyxl.xml.LXML is False


def test_a_zip_bomb_is_refused_before_it_is_expanded(login, org):
    """149 KB expanding to 38 MB was imported inside the request (61 s, +150 MB)."""
    padding = b"<row><c><v>1</v></c></row>" * 2_300_000  # about 60 MB, deflates to ~60 KB
    bomb = rewritten(
        workbook_bytes(org, 2),
        SHEET,
        lambda xml: xml.replace(b"</sheetData>", padding + b"</sheetData>"),
    )
    assert len(bomb) < 300_000
    before = model_counts()
    response = post_cases(login(org.performance), "bomb.xlsx", bomb)
    assert response.status_code == 200
    page = response.content.decode()
    assert "bomb.xlsx: the workbook expands to 57 MB, more than the 50 MB an import takes" in page
    assert model_counts() == {**before, "runs": before["runs"] + 1}


def test_a_workbook_that_expands_far_more_than_real_files_is_refused(org):
    padding = b"<row><c><v>1</v></c></row>" * 100_000  # 2.6 MB, deflated a thousand times
    bomb = rewritten(
        workbook_bytes(org, 2),
        SHEET,
        lambda xml: xml.replace(b"</sheetData>", padding + b"</sheetData>"),
    )
    errors = refusal(bomb)
    assert len(errors) == 1 and "times over when opened" in errors[0]


def test_the_row_count_decides_the_background_not_the_declared_dimension(login, org, settings):
    settings.IMPORT_BACKGROUND_ROWS = 5
    liar = rewritten(workbook_bytes(org, 12), SHEET, dimension_says("A1:K2"))
    assert services.estimate_rows(data=liar, file_name="liar.xlsx") == 13
    response = post_cases(login(org.performance), "liar.xlsx", liar)
    assert response.status_code == 302  # to the run's page: imported in the background
    run = ImportRun.objects.get()
    assert run.task_id and (run.status, run.created) == (ImportStatus.SUCCEEDED, 12)


def test_more_rows_than_the_limit_are_refused_whatever_the_dimension_says(org, settings):
    settings.IMPORT_MAX_ROWS = 10
    liar = rewritten(workbook_bytes(org, 12), SHEET, dimension_says("A1:K2"))
    assert refusal(liar) == [
        "cases.xlsx: the file has more than 10 rows, the most an import takes "
        "(IMPORT_MAX_ROWS): split it into smaller files"
    ]
    rows = [case_row(case_id=f"C{i}", allocated_worker_id=org.worker.staff_id) for i in range(11)]
    errors = refusal(csv_bytes(CASE_HEADER, rows), "cases.csv")
    assert errors == [
        "cases.csv: the file has more than 10 rows, the most an import takes "
        "(IMPORT_MAX_ROWS): split it into smaller files"
    ]


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>
</worksheet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData>
</worksheet>"""


@pytest.mark.parametrize(
    ("member", "content", "expected"),
    [
        (SHEET, BILLION_LAUGHS, "the workbook holds XML that is refused as unsafe"),
        (SHEET, EXTERNAL_ENTITY, "the workbook holds XML that is refused as unsafe"),
        ("xl/workbook.xml", BILLION_LAUGHS, "the workbook holds XML that is refused as unsafe"),
        (SHEET, b"<worksheet><sheetData><row>", "not a readable Excel workbook (.xlsx)"),
        ("xl/workbook.xml", b"<workbook", "not a readable Excel workbook (.xlsx)"),
    ],
)
def test_unsafe_or_damaged_xml_is_refused_with_a_message(login, org, member, content, expected):
    data = rewritten(workbook_bytes(org, 3), member, lambda _xml: content)
    before = model_counts()
    response = post_cases(login(org.performance), "evil.xlsx", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "nothing was changed" in page
    assert f"evil.xlsx: {expected}" in page
    assert model_counts() == {**before, "runs": before["runs"] + 1}


def test_unsafe_xml_in_a_background_import_is_refused_too(login, org, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0
    data = rewritten(workbook_bytes(org, 3), SHEET, lambda _xml: BILLION_LAUGHS)
    response = post_cases(login(org.performance), "evil.xlsx", data)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and run.upload is None
    assert "holds XML that is refused as unsafe" in run.errors[0]


def test_a_nul_byte_after_the_first_4_kb_refuses_the_csv_naming_its_row(org):
    rows = [
        case_row(case_id=f"N{i}", name=f"Child {i}", allocated_worker_id=org.worker.staff_id)
        for i in range(200)
    ]
    rows[150]["name"] = "Ada\x00Child"
    data = csv_bytes(CASE_HEADER, rows)
    assert data.index(b"\x00") > 4096
    before = model_counts()
    errors = refusal(data, "cases.csv")
    assert errors == [
        "cases.csv: row 152 holds a NUL character (byte 0): this is not a CSV text file, or it "
        "is damaged; save it again as CSV"
    ]
    assert model_counts() == {**before, "runs": before["runs"] + 1}
