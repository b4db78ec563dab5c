"""The console's XLSX exports open in a spreadsheet library (openpyxl) with every cell intact."""

from __future__ import annotations

import io

import pytest

from bot.xlsx import workbook

openpyxl = pytest.importorskip("openpyxl")


def _read(data: bytes) -> tuple[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    return sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_text_and_numbers_read_back_as_written():
    rows = [
        ("pseudonym", "country", "sessions", "score"),
        ("Mujer-7F3A", "BO", "12", "0.75"),
        ("Femme-21C0", "SN", "0", "-3"),
        ("Ñusta & «Awa» <b>", "CA", "007", "1e5"),  # 007 and 1e5 are text, not numbers
    ]
    title, read = _read(workbook(rows, sheet="participants"))
    assert title == "participants"
    assert read == [
        ("pseudonym", "country", "sessions", "score"),
        ("Mujer-7F3A", "BO", 12, 0.75),
        ("Femme-21C0", "SN", 0, -3),
        ("Ñusta & «Awa» <b>", "CA", "007", "1e5"),
    ]


def test_formulas_and_control_characters_stay_inert_text():
    rows = [("note",), ('=HYPERLINK("http://x")',), ("line\x00break\x07 🌱",)]
    _title, read = _read(workbook(rows))
    assert read[1] == ('=HYPERLINK("http://x")',)  # a string cell, never run as a formula
    assert read[2] == ("linebreak 🌱",)


def test_a_long_sheet_name_is_cut_to_what_spreadsheets_allow():
    title, read = _read(workbook([("a",)], sheet="x" * 40))
    assert title == "x" * 31 and read == [("a",)]
