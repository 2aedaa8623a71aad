"""The import kit: reading the CSV files of the contract's imports (../shared/contracts/bridge-api.md,
"Import formats") the same way for every importer.

Files come from spreadsheets and directory exports: UTF-8 with or without a BOM, `,` `;` or tab
as delimiter (sniffed from the header), CRLF or LF, quoted fields spanning lines. What cannot be
read raises `ImportFileError` naming the line (an encoding error names the line of the bad bytes,
not a byte offset). Rows come out with the number of the line they start on, so every error a
row parser reports is line-numbered. Importers validate every row first and write only when the
whole file is valid (or with `partial`, the valid rows); the row parsers live in their apps.

This module is on the ground floor: it imports nothing above `academy`.
"""
import codecs
import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from academy.exports import cell_unescape

DELIMITERS = (",", ";", "\t")


class ImportFileError(Exception):
    """The file cannot be read at all (size, encoding, binary, empty, header, CSV syntax).
    `line` is the line it was found on (None: the whole file)."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line

    def __str__(self):
        if self.line is None:
            return self.message
        return _("ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


def decode(content, *, columns: Iterable[str] = (), max_bytes: int | None = None) -> str:
    """The text of an uploaded CSV (bytes or already text), without its BOM. Raises
    ImportFileError for a file too large, UTF-16, not UTF-8 (on the line of the first bad byte),
    empty, or holding a NUL character (a binary file)."""
    if isinstance(content, str):
        text = content.lstrip("\ufeff")
    else:
        if max_bytes is not None and len(content) > max_bytes:
            raise ImportFileError(_("le fichier dépasse %(size)d Mo.") % {"size": max_bytes // (1024 * 1024)},
                                  line=1)
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(_("le fichier est encodé en UTF-16 ; enregistrez-le au format « CSV UTF-8 »."),
                                  line=1)
        if content.startswith(codecs.BOM_UTF8):
            content = content[len(codecs.BOM_UTF8):]
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_(
                "encodage invalide (octet 0x%(byte)02x) : le fichier n'est pas encodé en UTF-8 ; "
                "enregistrez-le au format « CSV UTF-8 »."
            ) % {"byte": content[exc.start]}, line=content[:exc.start].count(b"\n") + 1) from exc
    if not text.strip():
        raise ImportFileError(_("le fichier est vide : la première ligne doit être l'en-tête (%(columns)s).")
                              % {"columns": ",".join(columns)}, line=1)
    if "\x00" in text:
        raise ImportFileError(_("caractère nul : ce n'est pas un fichier CSV texte."),
                              line=text[: text.index("\x00")].count("\n") + 1)
    return text


def sniff_delimiter(text: str, *, known: Iterable[str], delimiters: Iterable[str] = DELIMITERS) -> str:
    """The delimiter that splits the header line into the most known column names (the first of
    `delimiters` on a tie)."""
    header_line = text.splitlines()[0] if text else ""
    known = set(known)
    delimiters = tuple(delimiters)

    def score(delimiter):
        return sum(1 for name in header_line.split(delimiter) if name.strip().strip('"').strip().lower() in known)

    return max(delimiters, key=lambda d: (score(d), -delimiters.index(d)))


def rows(text: str, *, delimiter: str, strict: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(line, values) for every record of `text`, the header first, `line` being the line the
    record starts on (a quoted field may span lines). Blank records are skipped. Values that an
    export guarded against formulas (`'=…`) are read back as they were. Raises ImportFileError on
    a CSV syntax error, with its line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    previous, first = 0, True
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(_("ligne CSV illisible : %(detail)s") % {"detail": exc}, line=previous + 1) from exc
        line, previous = previous + 1, reader.line_num
        if first or any(value.strip() for value in values):
            yield line, [cell_unescape(value) for value in values]
        first = False
