"""Spreadsheet-safe exports: the formula-injection guard every CSV and XLSX export goes through.

A spreadsheet program reads a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula (OWASP "CSV injection"): a staff name from an import or a path named
`=HYPERLINK("http://…","…")` by a lead would run on the reader's machine. So:

- in CSV, such a text gets a leading apostrophe (`'=HYPERLINK(…)`), which spreadsheet programs
  show as text; `cell_unescape` takes it off again when an exported file is imported back;
- in XLSX, text is always written as a text cell (never a formula) with its exact value, and a
  risky one also carries Excel's "quote prefix" so that editing the cell keeps it text.

Numbers, dates and booleans are not text and go out unchanged (a level of -1 stays a number).
"""
import csv

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_is_risky(value) -> bool:
    """True for a text a spreadsheet program would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def cell_escape(value):
    """The value as it may go into a CSV cell: a risky text gets a leading `'`, anything else is
    returned as it is."""
    return "'" + value if cell_is_risky(value) else value


def cell_unescape(value: str) -> str:
    """Undo `cell_escape` on a text read back from an exported file (`'=x` → `=x`); any other
    text, including one that merely starts with an apostrophe, is returned as it is."""
    if value.startswith("'") and cell_is_risky(value[1:]):
        return value[1:]
    return value


class SafeCsvWriter:
    """`csv.writer` whose rows go through `cell_escape`."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row):
        return self._writer.writerow([cell_escape(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **options) -> SafeCsvWriter:
    """A CSV writer for exports (same options as `csv.writer`)."""
    return SafeCsvWriter(out, **options)


def xlsx_append(sheet, row) -> None:
    """`sheet.append(row)` with every text written as a text cell, never as a formula."""
    sheet.append(row)
    line = sheet.max_row
    for column, value in enumerate(row, start=1):
        if isinstance(value, str):
            cell = sheet.cell(row=line, column=column)
            cell.data_type = "s"
            if cell_is_risky(value):
                cell.quotePrefix = True
