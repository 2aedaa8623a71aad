"""CSV imports (taxonomy, skill levels) and matrix export, as the contract says
(../shared/contracts/bridge-api.md, "Import formats").

Every import validates the whole file first and writes nothing when a row is invalid (each error
names its line); with `partial=True` it writes the valid rows and reports the others. Importing the
same file twice changes nothing the second time. Files are UTF-8 (a BOM is accepted), with a
header row, separated by `,`, `;` or a tab (detected from the header): read by the import kit,
`academy.imports`.
"""
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from academy import imports as kit
from academy.exports import csv_writer, xlsx_append
from academy.imports import ImportFileError  # noqa: F401 (raised here, caught by the views and commands)
from academy.models import Staff
from academy.services import audit_log
from skills.models import Domain, Evidence, EvidenceSource, Skill, SkillLevel
from skills.services import evidence_record_many, evidence_validate, scale_levels

TAXONOMY_COLUMNS = ["domain_code", "domain_name", "skill_code", "skill_name", "description", "reference"]
# Optional columns the project adds (the contract allows additions).
TAXONOMY_EXTRA = ["domain_name_en", "skill_name_en", "active"]
LEVEL_COLUMNS = ["employee_id", "skill_code", "level", "valid_until", "source", "note"]
LEVEL_REQUIRED = ["employee_id", "skill_code", "level"]
DOMAIN_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
SKILL_CODE = re.compile(r"^[A-Z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
IMPORT_REFERENCE = "skills.import"
# Which source to print for a cell held up by several (most formal first).
SOURCE_PRIORITY = ["certification", "exam", "manager", "import", "course", "practice"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [(line, message)]
    rows: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [_("ligne %(line)s : %(message)s") % {"line": line, "message": message}
                for line, message in self.errors]


def read_csv(data, *, required: list[str], optional: list[str] = ()) -> tuple[list[str], list[tuple[int, dict]]]:
    """Parse CSV text or bytes with the import kit: returns (header, [(line_number, {column: value})]).
    Blank lines are skipped. Raises ImportFileError when the file cannot be read or a required
    column is missing."""
    text = kit.decode(data, columns=required)
    delimiter = kit.sniff_delimiter(text, known=[*required, *optional])
    records = kit.rows(text, delimiter=delimiter)
    _line, header = next(records)
    header = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFileError(_("Colonnes manquantes dans l'en-tête : %(cols)s (attendu : %(expected)s)") % {
            "cols": ", ".join(missing), "expected": ",".join(required)})
    rows = []
    for line, values in records:
        if len(values) > len(header):
            rows.append((line, {"__error__": _("%(n)s colonnes au lieu de %(m)s") % {"n": len(values),
                                                                                      "m": len(header)}}))
            continue
        values = values + [""] * (len(header) - len(values))
        rows.append((line, {h: v.strip() for h, v in zip(header, values)}))
    return header, rows


# --- Taxonomy --------------------------------------------------------------------------------

def taxonomy_import(*, data, partial: bool = False, actor=None, source_name: str = "") -> ImportReport:
    """Create or update domains and skills from a taxonomy CSV. Existing skills missing from the
    file are left alone (never deleted). Raises ImportFileError for an unreadable file."""
    _header, rows = read_csv(data, required=TAXONOMY_COLUMNS, optional=TAXONOMY_EXTRA)
    report = ImportReport(rows=len(rows))
    domains_in_file: dict[str, tuple[int, str]] = {}
    skills_seen: dict[str, int] = {}
    valid = []
    for line, row in rows:
        if "__error__" in row:
            report.errors.append((line, row["__error__"]))
            continue
        problems = []
        domain_code, skill_code = row["domain_code"].upper(), row["skill_code"]
        if not DOMAIN_CODE.match(domain_code):
            problems.append(_("code de domaine « %(code)s » invalide (lettres majuscules, chiffres, 20 caractères "
                              "au plus)") % {"code": row["domain_code"]})
        if not SKILL_CODE.match(skill_code) or len(skill_code) > 40:
            problems.append(_("code de compétence « %(code)s » invalide (ex. AD.GPO)") % {"code": skill_code})
        if not row["domain_name"]:
            problems.append(_("nom du domaine manquant"))
        elif len(row["domain_name"]) > 120:
            problems.append(_("nom du domaine trop long (120 caractères au plus)"))
        if not row["skill_name"]:
            problems.append(_("nom de la compétence manquant"))
        elif len(row["skill_name"]) > 160:
            problems.append(_("nom de la compétence trop long (160 caractères au plus)"))
        if len(row.get("reference", "")) > 120:
            problems.append(_("référentiel trop long (120 caractères au plus)"))
        active = row.get("active", "").lower()
        if active not in ("", "1", "0", "true", "false", "oui", "non", "yes", "no"):
            problems.append(_("« active » doit valoir oui ou non"))
        if skill_code in skills_seen:
            problems.append(_("la compétence %(code)s apparaît déjà ligne %(line)s") % {
                "code": skill_code, "line": skills_seen[skill_code]})
        if domain_code in domains_in_file and row["domain_name"] and domains_in_file[domain_code][1] != row[
                "domain_name"]:
            problems.append(_("le domaine %(code)s porte un autre nom ligne %(line)s") % {
                "code": domain_code, "line": domains_in_file[domain_code][0]})
        if problems:
            report.errors.extend((line, p) for p in problems)
            continue
        skills_seen[skill_code] = line
        domains_in_file.setdefault(domain_code, (line, row["domain_name"]))
        valid.append((line, row, domain_code, active))
    if report.errors and not partial:
        return report
    with transaction.atomic():
        domains = {d.code: d for d in Domain.objects.all()}
        order = max([d.sort_order for d in domains.values()] or [0])
        for line, row, domain_code, active in valid:
            domain = domains.get(domain_code)
            name_en = row.get("domain_name_en", "")
            if domain is None:
                order += 10
                domain = Domain.objects.create(code=domain_code, name_fr=row["domain_name"], name_en=name_en,
                                               sort_order=order)
                domains[domain_code] = domain
            elif domain.name_fr != row["domain_name"] or (name_en and domain.name_en != name_en):
                domain.name_fr, domain.name_en = row["domain_name"], name_en or domain.name_en
                domain.save(update_fields=["name_fr", "name_en"])
            values = {"domain": domain, "name_fr": row["skill_name"], "description": row.get("description", ""),
                      "reference": row.get("reference", "")}
            if row.get("skill_name_en"):
                values["name_en"] = row["skill_name_en"]
            if active:
                values["active"] = active in ("1", "true", "oui", "yes")
            skill = Skill.objects.filter(code=row["skill_code"]).first()
            if skill is None:
                Skill.objects.create(code=row["skill_code"], **values)
                report.created += 1
            elif any(getattr(skill, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(skill, k, v)
                skill.save()
                report.updated += 1
            else:
                report.unchanged += 1
        report.written = bool(report.created or report.updated)
        if report.written:
            audit_log(actor=actor, action="skills.taxonomy.import", reason=source_name,
                      data={"created": report.created, "updated": report.updated, "errors": len(report.errors)})
    return report


# --- Skill levels ----------------------------------------------------------------------------

def parse_valid_until(value: str) -> datetime | None:
    """An ISO date or datetime. A date means "valid through that day": the evidence stops counting
    at the next midnight, local time. A datetime without offset is local time. Raises ValueError."""
    if not value:
        return None
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        parsed = datetime.combine(day + timedelta(days=1), time.min)
    else:
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@dataclass
class _LevelRow:
    line: int
    staff: Staff
    skill: Skill
    level: int
    source: str
    valid_until: datetime | None
    note: str


def _identical_existing(rows: list[_LevelRow]) -> set[tuple]:
    """The rows of `rows` identical to an evidence already in the ledger (same person, skill,
    level, source and validity, not revoked), as (staff id, skill id, level, source, valid_until)."""
    wanted = {(r.staff.pk, r.skill.pk, r.level, r.source, r.valid_until) for r in rows}
    staff_ids = sorted({r.staff.pk for r in rows})
    skill_ids = {r.skill.pk for r in rows}
    found = set()
    for start in range(0, len(staff_ids), 500):
        found.update(key for key in Evidence.objects.filter(
            staff_id__in=staff_ids[start:start + 500], skill_id__in=skill_ids, revoked_at=None).values_list(
            "staff_id", "skill_id", "level", "source", "valid_until").iterator(chunk_size=10000) if key in wanted)
    return found


class _Refused(Exception):
    pass


def _levels_write(valid: list[_LevelRow], report: ImportReport, *, actor, partial: bool, source_name: str) -> None:
    """Write the valid rows in bulk (`evidence_record_many`). Raises _Refused, in a transaction it
    rolls back, when a row's validity ended meanwhile and the import is not partial."""
    identical = _identical_existing(valid)
    recorded_by = actor if getattr(actor, "pk", None) else None
    evidences, lines = [], {}
    for row in valid:
        if row.level == 0 or (row.staff.pk, row.skill.pk, row.level, row.source, row.valid_until) in identical:
            report.unchanged += 1
            continue
        evidence = Evidence(
            staff=row.staff, skill=row.skill, level=row.level, source=row.source, observed_at=None,
            valid_until=row.valid_until, recorded_by=recorded_by, reference_type=IMPORT_REFERENCE,
            reference_id=f"{source_name}:{row.line}"[:80], note=row.note)
        evidences.append(evidence)
        lines[id(evidence)] = row.line
    _recomputed, refused = evidence_record_many(evidences, reason="import")
    for evidence in refused:
        report.errors.append((lines[id(evidence)], _("La date de fin de validité est déjà passée.")))
    if refused and not partial:
        raise _Refused
    report.created = len(evidences) - len(refused)
    report.written = bool(report.created)
    if report.written:
        audit_log(actor=actor, action="skills.levels.import", reason=source_name,
                  data={"created": report.created, "unchanged": report.unchanged,
                        "errors": len(report.errors)})


def skill_levels_import(*, data, partial: bool = False, actor=None, source_name: str = "") -> ImportReport:
    """Record one evidence per row (`source` defaults to `import`). A row identical to an
    evidence already in the ledger (same person, skill, level, source and validity, not revoked)
    is counted as unchanged, so importing a file twice records nothing the second time. Level 0
    rows record nothing. Raises ImportFileError for an unreadable file.

    The rows are written in bulk (`evidence_record_many`: one transaction, the evidences by COPY
    on PostgreSQL, the touched cells recomputed set-wise): the same evidences, cells, change-log
    rows and events as `evidence_record` row by row, but the change-log numbers (and event
    positions) follow (person, skill) order, not the order of the file's lines."""
    _header, rows = read_csv(data, required=LEVEL_REQUIRED, optional=LEVEL_COLUMNS)
    report = ImportReport(rows=len(rows))
    now = timezone.now()
    levels = scale_levels()
    staff_by_id = {s.employee_id: s for s in Staff.objects.filter(
        employee_id__in={r.get("employee_id", "") for _line, r in rows}).select_related("user")}
    skills_by_code = {s.code: s for s in Skill.objects.filter(code__in={r.get("skill_code", "") for _line, r in rows})}
    seen: dict[tuple, int] = {}
    valid: list[_LevelRow] = []
    for line, row in rows:
        if "__error__" in row:
            report.errors.append((line, row["__error__"]))
            continue
        problems = []
        staff = staff_by_id.get(row["employee_id"])
        skill = skills_by_code.get(row["skill_code"])
        if staff is None:
            problems.append(_("matricule inconnu : %(id)s") % {"id": row["employee_id"] or "—"})
        if skill is None:
            problems.append(_("code de compétence inconnu : %(code)s") % {"code": row["skill_code"] or "—"})
        try:
            level = int(row["level"])
        except ValueError:
            level = None
            problems.append(_("niveau « %(level)s » : un nombre entier est attendu") % {"level": row["level"]})
        source = (row.get("source") or EvidenceSource.IMPORT).lower()
        try:
            valid_until = parse_valid_until(row.get("valid_until", ""))
        except ValueError:
            valid_until = None
            problems.append(_("date de fin de validité « %(value)s » illisible (AAAA-MM-JJ ou ISO 8601)") % {
                "value": row["valid_until"]})
        key = (row["employee_id"], row["skill_code"])
        if key in seen:
            problems.append(_("doublon : %(id)s / %(code)s figure déjà ligne %(line)s") % {
                "id": key[0], "code": key[1], "line": seen[key]})
        else:
            seen[key] = line
        if staff is not None and skill is not None and level is not None:
            for message in evidence_validate(staff=staff, skill=skill, level=level, source=source,
                                             valid_until=valid_until, levels=levels, now=now).values():
                problems.append(str(message))
        elif level is not None and level not in levels:
            problems.append(_("Le niveau %(level)s n'est pas dans l'échelle (%(min)s à %(max)s).") % {
                "level": level, "min": min(levels), "max": max(levels)})
        if problems:
            report.errors.extend((line, p) for p in problems)
            continue
        valid.append(_LevelRow(line, staff, skill, level, source, valid_until, row.get("note", "")))
    if report.errors and not partial:
        return report
    try:
        with transaction.atomic():
            _levels_write(valid, report, actor=actor, partial=partial, source_name=source_name)
    except _Refused:  # validity ended while the file was being read: nothing written
        report.created, report.unchanged, report.written = 0, 0, False
    report.errors.sort()
    return report


# --- Export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = LEVEL_COLUMNS + ["display_name", "team", "tier", "skill_name", "domain"]


def _main_source(sources) -> str:
    for source in SOURCE_PRIORITY:
        if source in (sources or []):
            return source
    return EvidenceSource.IMPORT


def matrix_rows(*, staff_qs):
    """The current matrix of `staff_qs` as rows of EXPORT_COLUMNS (effective levels above 0), in
    the import format first, so an export can be imported again."""
    cells = (SkillLevel.objects.filter(staff__in=staff_qs, level__gt=0)
             .select_related("staff__user", "staff__team", "skill__domain")
             .order_by("staff__employee_id", "skill__code"))
    for cell in cells.iterator(chunk_size=2000):
        until = timezone.localtime(cell.valid_until).isoformat() if cell.valid_until else ""
        yield [cell.staff.employee_id, cell.skill.code, cell.level, until, _main_source(cell.sources), "",
               cell.staff.display_name, cell.staff.team.name if cell.staff.team_id else "", cell.staff.tier,
               cell.skill.name, cell.skill.domain.code]


def matrix_export_csv(*, staff_qs) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(matrix_rows(staff_qs=staff_qs))
    return out.getvalue()


def matrix_export_xlsx(*, staff_qs) -> bytes:
    """An XLSX workbook: "Matrice" (one row per person, one column per skill, the level; the
    drop date in a cell comment-free twin sheet "Jusqu'au") and "Niveaux" (the import format)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    fills = {1: "CFE3F7", 2: "8CC0EE", 3: "3F8FD8", 4: "0B4F94"}
    workbook = Workbook()
    matrix = workbook.active
    matrix.title = _("Matrice")
    until_sheet = workbook.create_sheet(_("Jusqu'au"))
    levels_sheet = workbook.create_sheet(_("Niveaux"))
    rows = list(matrix_rows(staff_qs=staff_qs))
    skills = list(Skill.objects.filter(active=True).order_by("domain__sort_order", "domain__code", "code")
                  .values_list("code", flat=True))
    people, by_person = [], {}
    for row in rows:
        if row[0] not in by_person:
            by_person[row[0]] = {"name": row[6], "team": row[7], "tier": row[8], "cells": {}}
            people.append(row[0])
        by_person[row[0]]["cells"][row[1]] = (row[2], row[3])
    head = [_("matricule"), _("nom"), _("équipe"), _("niveau de support")] + skills
    for sheet in (matrix, until_sheet):
        xlsx_append(sheet, head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "E2"
    for employee_id in people:
        person = by_person[employee_id]
        base = [employee_id, person["name"], person["team"], person["tier"]]
        xlsx_append(matrix, base + [person["cells"].get(code, (None, ""))[0] for code in skills])
        xlsx_append(until_sheet, base + [person["cells"].get(code, (None, ""))[1] or None for code in skills])
        for cell in matrix[matrix.max_row][4:]:
            if cell.value in fills:
                cell.fill = PatternFill("solid", fgColor=fills[cell.value])
                if cell.value >= 3:
                    cell.font = Font(color="FFFFFF")
    xlsx_append(levels_sheet, EXPORT_COLUMNS)
    for row in rows:
        xlsx_append(levels_sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def matrix_export(*, staff_qs, fmt: str = "csv", actor=None, scope: str = "") -> bytes:
    """The matrix as CSV (UTF-8) or XLSX bytes; audited when a person asks for it."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(fmt)
    content = matrix_export_xlsx(staff_qs=staff_qs) if fmt == "xlsx" else matrix_export_csv(
        staff_qs=staff_qs).encode("utf-8")
    if actor is not None:
        audit_log(actor=actor, action="skills.matrix.export", reason=scope, data={"format": fmt})
    return content
