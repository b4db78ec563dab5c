"""A minimal XLSX writer (one sheet, text and numbers) for the console's exports: no dependency.

An .xlsx file is a zip of a few XML parts; spreadsheet programs (Excel, LibreOffice, Google
Sheets) open this one. Cells are inline strings, or numbers when the text is a plain number.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from xml.sax.saxutils import escape

NUMBER = re.compile(r"-?(0|[1-9]\d{0,14})(\.\d+)?")
# Characters XML 1.0 does not allow, even escaped.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
OOXML = "application/vnd.openxmlformats"
SHEETML = f"{OOXML}-officedocument.spreadsheetml"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="{part}" ContentType="{SHEETML}.{kind}+xml"/>'


def _relation(kind: str, target: str) -> str:
    return (
        f'{HEAD}<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/{kind}" Target="{target}"/></Relationships>'
    )


PARTS = {
    "[Content_Types].xml": (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{OOXML}-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + _override("/xl/workbook.xml", "sheet.main")
        + _override("/xl/worksheets/sheet1.xml", "worksheet")
        + "</Types>"
    ),
    "_rels/.rels": _relation("officeDocument", "xl/workbook.xml"),
    "xl/_rels/workbook.xml.rels": _relation("worksheet", "worksheets/sheet1.xml"),
}


def _workbook(sheet: str) -> str:
    return (
        f"{HEAD}"
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{DOC_RELS}">'
        f'<sheets><sheet name="{escape(sheet[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _cell(value: str, text_only: bool = False) -> str:
    if not text_only and NUMBER.fullmatch(value):
        return f"<c><v>{value}</v></c>"
    text = escape(ILLEGAL.sub("", value))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(n: int, row: Sequence[str], text_columns: set[int]) -> str:
    cells = "".join(_cell(str(v), index in text_columns) for index, v in enumerate(row))
    return f'<row r="{n}">{cells}</row>'


def workbook(
    rows: Iterable[Sequence[str]], sheet: str = "export", text: Collection[str] = ()
) -> bytes:
    """The bytes of an .xlsx file holding `rows` (the first is the header).

    Cells under the headers named in `text` stay text even when they look like a number: an
    id of digits ("307142958816") would otherwise become 3.07143E+11 and match nothing.
    """
    text_columns: set[int] = set()
    lines = []
    for n, row in enumerate(rows, start=1):
        if n == 1:
            text_columns = {index for index, name in enumerate(row) if name in text}
        lines.append(_row(n, row, text_columns))
    body = "".join(lines)
    sheet_xml = (
        f"{HEAD}"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**PARTS, "xl/workbook.xml": _workbook(sheet)}.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()
