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
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from academy.exports import cell_unescape

DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class ImportMessage:
    """An error or a warning an importer reports about one line of the file."""

    line: int
    message: str

    def __str__(self):
        return _("Ligne %(line)d : %(message)s") % {"line": self.line, "message": self.message}


def command_file_read(file: str) -> tuple[bytes, str]:
    """(content, name) of the FILE argument of an import command (`-`: standard input); a
    missing or unreadable file is a CommandError naming it."""
    if file == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"Fichier introuvable : {file}")
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise CommandError(f"Lecture impossible de {file} : {exc.strerror}") from None


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


# --- Writing in bulk ---------------------------------------------------------------------------

def saved_many(model, objects: list, *, batch_size: int = 1000) -> None:
    """What `post_save` does for each object of `model` (Wagtail's search index and reference
    index), for objects written with bulk_create or bulk_update, which send no signal: one
    statement per batch instead of a task and several queries per object. The objects' related
    objects read by the index (e.g. `Staff.user`) should be loaded."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex
    from wagtail.search.backends import get_search_backends
    from wagtail.search.index import class_is_indexed

    if not objects:
        return
    if class_is_indexed(model):
        for backend in get_search_backends(with_auto_update=True):
            for start in range(0, len(objects), batch_size):
                _search_index_add(backend, model, objects[start:start + batch_size])
    if ReferenceIndex.is_indexed(model):
        # ReferenceIndex.create_or_update_for_object, for many objects of a model without parents.
        assert not model._meta.get_parent_list(), model
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        wanted = {(str(obj.pk), *reference) for obj in objects
                  for reference in ReferenceIndex._extract_references_from_object(obj)}
        existing = {}
        ids = [str(obj.pk) for obj in objects]
        for start in range(0, len(ids), batch_size):
            existing.update({row[1:]: row[0] for row in ReferenceIndex.objects.filter(
                base_content_type=content_type, object_id__in=ids[start:start + batch_size]).values_list(
                "id", "object_id", "to_content_type", "to_object_id", "model_path", "content_path")})
        ReferenceIndex.objects.bulk_create([
            ReferenceIndex(content_type=content_type, base_content_type=content_type, object_id=object_id,
                           to_content_type_id=to_content_type_id, to_object_id=to_object_id, model_path=model_path,
                           content_path=content_path,
                           content_path_hash=ReferenceIndex._get_content_path_hash(content_path))
            for object_id, to_content_type_id, to_object_id, model_path, content_path in wanted - existing.keys()
        ], batch_size=batch_size, ignore_conflicts=True)
        gone = [pk for reference, pk in existing.items() if reference not in wanted]
        for start in range(0, len(gone), batch_size):
            ReferenceIndex.objects.filter(id__in=gone[start:start + batch_size]).delete()


def _search_index_add(backend, model, objects: list) -> None:
    """`backend.add_bulk(model, objects)`. On the PostgreSQL database backend, the same rows
    written with the SQL that backend compiles, compiled once per shape of entry (which fields
    hold text, with which weights) instead of once per object: compiling Django expressions cost
    about 1 ms per object, most of a 10,000-person import. tests/academy/test_staff_import_bulk.py
    compares the entries with add_bulk's."""
    from django.db.models.sql.subqueries import InsertQuery
    from modelsearch.backends.database.postgres.postgres import IndexEntry, ObjectIndexer, PostgresIndex
    from modelsearch.index import AutocompleteField, SearchField
    from modelsearch.utils import get_content_type_pk

    index = backend.get_index_for_model(model)
    if not isinstance(index, PostgresIndex) or not model.get_search_fields():
        backend.add_bulk(model, objects)
        return
    connection = index.write_connection
    compiler = InsertQuery(IndexEntry).get_compiler(connection=connection)
    shapes: dict[tuple, tuple[str, list]] = {}

    def vector(indexer, kind: str, texts: list[tuple[str, str]]) -> tuple[str, list]:
        texts = [(text.strip(), weight) for text, weight in texts if text.strip()]
        key = (kind, tuple(weight for _text, weight in texts))
        if key not in shapes:
            marks = [(f"\x01{i}\x01", weight) for i, (_text, weight) in enumerate(texts)]
            expression = indexer.as_vector(marks, for_autocomplete=kind == "autocomplete")
            sql, params = compiler.prepare_value(IndexEntry._meta.get_field(kind), expression).as_sql(
                compiler, connection)
            shapes[key] = (sql, [int(p[1:-1]) if isinstance(p, str) and p[:1] == p[-1:] == "\x01" else p
                                 for p in params])
        sql, params = shapes[key]
        return sql, [texts[p][0] if isinstance(p, int) else p for p in params]

    content_type_pk = get_content_type_pk(model)
    rows, params = [], []
    for obj in objects:
        indexer = ObjectIndexer(obj, index.backend)
        kinds = {"title": [], "body": [], "autocomplete": []}
        for field in indexer.search_fields:
            for current, weight, value in indexer.prepare_field(obj, field):
                if isinstance(current, AutocompleteField):
                    kinds["autocomplete"].append((value, weight))
                elif isinstance(current, SearchField):
                    kinds["title" if current.field_name == "title" else "body"].append((value, weight))
        parts = [vector(indexer, kind, kinds[kind]) for kind in ("title", "autocomplete", "body")]
        rows.append(f"(%s, %s, {parts[0][0]}, {parts[1][0]}, {parts[2][0]}, 1.0, %s, %s)")
        params += [content_type_pk, indexer.id, *parts[0][1], *parts[1][1], *parts[2][1],
                   " ".join(text.strip() for text, _weight in kinds["title"] if text.strip()),
                   " ".join(text.strip() for text, _weight in kinds["body"] if text.strip())]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {IndexEntry._meta.db_table} (content_type_id, object_id, title, autocomplete, body, "
            f"title_norm, title_text, body_text) (VALUES {', '.join(rows)}) "
            "ON CONFLICT (content_type_id, object_id) DO UPDATE SET title = EXCLUDED.title, title_norm = 1.0, "
            "autocomplete = EXCLUDED.autocomplete, body = EXCLUDED.body, title_text = EXCLUDED.title_text, "
            "body_text = EXCLUDED.body_text", params)
    index._refresh_title_norms()
