"""Client companies and their referents (contract 1.1, "Clients and their referent"): the writes
(create, update, the CSV import and its export) and the reads the bridge API and the pages share.

The import reads `client_code,name,referent_employee_id,backup_employee_ids,active` through the
import kit (academy.imports): the whole file is validated first, every error names its line,
nothing is written on any error unless `partial`, and importing the same file twice changes
nothing the second time. A referent or backup must be an existing staff member (inactive ones
are accepted: a client keeps its referent until someone names a new one)."""
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy import imports as kit
from academy.imports import ImportMessage
from academy.exports import csv_writer, xlsx_append
from academy.models import Client, Staff
from academy.services import audit_log

COLUMNS = ("client_code", "name", "referent_employee_id", "backup_employee_ids", "active")
REQUIRED_COLUMNS = ("client_code", "name", "referent_employee_id")
MAX_BYTES = 5 * 1024 * 1024
TRUE_VALUES, FALSE_VALUES = ("true", "1", "oui", "vrai"), ("false", "0", "non", "faux")


# --- Reads --------------------------------------------------------------------------------------


def clients_all() -> QuerySet[Client]:
    """Every client, inactive ones included, by code, with its referent and backups loaded
    (backups by employee id)."""
    return Client.objects.select_related("referent__user").prefetch_related(
        Prefetch("backups", queryset=Staff.objects.select_related("user").order_by("employee_id"))
    ).order_by("code")


def clients_search(*, q: str = "") -> QuerySet[Client]:
    """`clients_all` whose code, name or referent (matricule, first or last name) contains `q`."""
    clients = clients_all()
    q = q.strip()
    if q:
        clients = clients.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(referent__employee_id__icontains=q)
            | Q(referent__user__first_name__icontains=q) | Q(referent__user__last_name__icontains=q))
    return clients


def clients_of_staff(*, staff: Staff) -> list[tuple[Client, str]]:
    """The active clients `staff` is the referent or a backup of, as (client, "referent" or
    "backup"), referent ones first, then by name."""
    clients = Client.objects.filter(Q(referent=staff) | Q(backups=staff), active=True).distinct()
    rows = [(client, "referent" if client.referent_id == staff.pk else "backup") for client in clients]
    return sorted(rows, key=lambda row: (row[1] != "referent", row[0].name.casefold(), row[0].code))


def client_is_followed_by(*, client: Client, user) -> bool:
    """Is `user` the referent or one of the backups of `client`?"""
    if not user.is_authenticated:
        return False
    return client.referent.user_id == user.pk or any(staff.user_id == user.pk for staff in client.backups.all())


def client_by_code(code: str) -> Client | None:
    """The client of that code (inactive ones too), or None."""
    return Client.objects.filter(code=code.strip()).first() if code and code.strip() else None


def client_record(client: Client) -> dict:
    """A client as `GET clients` gives it (contract 1.1); its backups read in employee-id order."""
    return {
        "code": client.code,
        "name": client.name,
        "active": client.active,
        "referent": _person(client.referent),
        "backups": [_person(staff) for staff in sorted(client.backups.all(), key=lambda s: s.employee_id)],
    }


def _person(staff: Staff) -> dict:
    return {"employee_id": staff.employee_id, "display_name": staff.display_name}


# --- Writes -------------------------------------------------------------------------------------


def _clean(*, code: str, name: str, referent: Staff | None, backups) -> tuple[str, str, list[Staff]]:
    code, name = (code or "").strip(), " ".join((name or "").split())
    errors = {}
    if not code:
        errors["code"] = _("Le code est obligatoire.")
    elif len(code) > Client._meta.get_field("code").max_length:
        errors["code"] = _("Le code dépasse %(n)d caractères.") % {"n": Client._meta.get_field("code").max_length}
    if not name:
        errors["name"] = _("Le nom est obligatoire.")
    elif len(name) > Client._meta.get_field("name").max_length:
        errors["name"] = _("Le nom dépasse %(n)d caractères.") % {"n": Client._meta.get_field("name").max_length}
    if referent is None:
        errors["referent"] = _("Le référent est obligatoire.")
    unique = list({staff.pk: staff for staff in backups or []}.values())
    if referent is not None and any(staff.pk == referent.pk for staff in unique):
        errors["backups"] = _("Le référent ne peut pas être aussi son propre suppléant.")
    if errors:
        raise ValidationError(errors)
    return code, name, unique


def _snapshot(client: Client) -> dict:
    return {"code": client.code, "name": client.name, "active": client.active,
            "referent": client.referent.employee_id if client.referent_id else None,
            "backups": sorted(client.backups.values_list("employee_id", flat=True))}


@transaction.atomic
def client_create(*, code: str, name: str, referent: Staff, backups=(), active: bool = True, by=None) -> Client:
    """Create a client. Raises ValidationError for an empty or taken code, an empty name, no
    referent, or the referent named among the backups."""
    code, name, backups = _clean(code=code, name=name, referent=referent, backups=backups)
    if Client.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Le code « %(code)s » est déjà pris.") % {"code": code}})
    client = Client.objects.create(code=code, name=name, referent=referent, active=active)
    client.backups.set(backups)
    audit_log(actor=by, action="client.create", target=client, data=_snapshot(client))
    return client


@transaction.atomic
def client_update(*, client: Client, name: str, referent: Staff, backups=(), active: bool = True,
                  code: str | None = None, by=None) -> Client:
    """Change a client (its code too when `code` is given); records what changed in the audit
    trail. Returns the client; changes nothing (and records nothing) when nothing differs. Raises
    ValidationError as `client_create` does."""
    code, name, backups = _clean(code=client.code if code is None else code, name=name, referent=referent,
                                 backups=backups)
    if code != client.code and Client.objects.filter(code=code).exclude(pk=client.pk).exists():
        raise ValidationError({"code": _("Le code « %(code)s » est déjà pris.") % {"code": code}})
    before = _snapshot(Client.objects.get(pk=client.pk))
    client.code, client.name, client.referent, client.active = code, name, referent, active
    after = {"code": code, "name": name, "active": active, "referent": referent.employee_id,
             "backups": sorted(staff.employee_id for staff in backups)}
    if after == before:
        return client
    client.save()
    client.backups.set(backups)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    audit_log(actor=by, action="client.update", target=client, data={"code": code, "changed": changed})
    return client


# --- Import and export --------------------------------------------------------------------------


@dataclass
class ClientImportReport:
    """What an import found and did; `written` tells whether anything was saved."""

    partial: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportMessage] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, message: str) -> None:
        self.errors.append(ImportMessage(line, message))

    def summary(self) -> str:
        if self.errors and not self.written:
            return ngettext("%(count)d erreur : rien n'a été importé.", "%(count)d erreurs : rien n'a été importé.",
                            len(self.errors)) % {"count": len(self.errors)}
        text = ", ".join([
            ngettext("%(n)d client créé", "%(n)d clients créés", self.created) % {"n": self.created},
            ngettext("%(n)d modifié", "%(n)d modifiés", self.updated) % {"n": self.updated},
            ngettext("%(n)d inchangé", "%(n)d inchangés", self.unchanged) % {"n": self.unchanged},
        ]) + "."
        if self.errors:
            text += " " + ngettext("%(count)d erreur : cette ligne n'a pas été importée.",
                                   "%(count)d erreurs : ces lignes n'ont pas été importées.",
                                   len(self.errors)) % {"count": len(self.errors)}
        return text


@dataclass
class _Row:
    line: int
    code: str
    name: str
    referent: Staff | None
    backups: list[Staff]
    active: bool


def clients_import(*, content: bytes | str, by=None, partial: bool = False) -> ClientImportReport:
    """Validate then import a clients CSV; returns the report and never raises for bad input.
    Without `partial` nothing is written when any line is invalid; with it the valid lines are."""
    report = ClientImportReport(partial=partial)
    try:
        text = kit.decode(content, columns=COLUMNS, max_bytes=MAX_BYTES)
        records = list(kit.rows(text, delimiter=kit.sniff_delimiter(text, known=COLUMNS)))
    except kit.ImportFileError as exc:
        report.error(exc.line or 1, exc.message)
        return report
    header = [name.strip().lower() for name in records[0][1]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        report.error(1, ngettext("colonne manquante : %(missing)s. En-tête attendu : %(columns)s",
                                 "colonnes manquantes : %(missing)s. En-tête attendu : %(columns)s", len(missing))
                     % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)})
        return report
    if len(records) == 1:
        report.error(2, _("le fichier ne contient que l'en-tête : aucun client à importer."))
        return report
    wanted_ids = set()
    for _line, values in records[1:]:
        row = dict(zip(header, values))
        wanted_ids.add(row.get("referent_employee_id", "").strip())
        wanted_ids.update(i.strip() for i in row.get("backup_employee_ids", "").split(";") if i.strip())
    staff = {s.employee_id: s for s in Staff.objects.filter(employee_id__in=wanted_ids - {""})}
    rows, seen = [], {}
    for line, values in records[1:]:
        row = _parse_row(line, header, values, staff=staff, seen=seen, report=report)
        if row is not None:
            rows.append(row)
    if (report.errors and not partial) or not rows:
        return report
    try:
        with transaction.atomic():
            _write(rows, report, by=by)
    except IntegrityError as exc:  # another import or an admin edit meanwhile: nothing was written
        report.created = report.updated = report.unchanged = 0
        report.written = False
        report.error(rows[0].line, _("conflit d'écriture avec une autre modification (%(detail)s) ; "
                                     "relancez l'import.") % {"detail": exc})
    return report


def _parse_row(line: int, header: list[str], values: list[str], *, staff: dict, seen: dict,
               report: ClientImportReport) -> _Row | None:
    if len(values) > len(header):
        report.error(line, _("%(found)d valeurs au lieu de %(expected)d.")
                     % {"found": len(values), "expected": len(header)})
        return None
    raw = {name: value.strip() for name, value in zip(header, values)}
    errors = []
    code, name = raw.get("client_code", ""), " ".join(raw.get("name", "").split())
    if not code:
        errors.append(_("client_code : vide."))
    elif len(code) > Client._meta.get_field("code").max_length:
        errors.append(_("client_code : plus de %(n)d caractères.") % {"n": Client._meta.get_field("code").max_length})
    elif code in seen:
        errors.append(_("client_code : « %(code)s » déjà vu ligne %(first)d.") % {"code": code, "first": seen[code]})
    else:
        seen[code] = line
    if not name:
        errors.append(_("name : vide."))
    elif len(name) > Client._meta.get_field("name").max_length:
        errors.append(_("name : plus de %(n)d caractères.") % {"n": Client._meta.get_field("name").max_length})
    referent_id = raw.get("referent_employee_id", "")
    referent = staff.get(referent_id)
    if not referent_id:
        errors.append(_("referent_employee_id : vide."))
    elif referent is None:
        errors.append(_("referent_employee_id : collaborateur inconnu « %(id)s ».") % {"id": referent_id})
    backups = []
    for backup_id in [i.strip() for i in raw.get("backup_employee_ids", "").split(";") if i.strip()]:
        if backup_id not in staff:
            errors.append(_("backup_employee_ids : collaborateur inconnu « %(id)s ».") % {"id": backup_id})
        elif backup_id == referent_id:
            errors.append(_("backup_employee_ids : « %(id)s » est déjà le référent.") % {"id": backup_id})
        elif staff[backup_id] not in backups:
            backups.append(staff[backup_id])
    active_text = raw.get("active", "").lower()
    if active_text and active_text not in TRUE_VALUES + FALSE_VALUES:
        errors.append(_("active : « %(value)s » n'est ni true ni false.") % {"value": raw.get("active")})
    for message in errors:
        report.error(line, message)
    if errors:
        return None
    return _Row(line=line, code=code, name=name, referent=referent, backups=backups,
                active=active_text not in FALSE_VALUES)


def _write(rows: list[_Row], report: ClientImportReport, *, by) -> None:
    existing = {client.code: client for client in Client.objects.select_related("referent").prefetch_related(
        "backups").filter(code__in=[row.code for row in rows])}
    created, updated = [], []
    for row in rows:
        client = existing.get(row.code)
        if client is None:
            client = Client.objects.create(code=row.code, name=row.name, referent=row.referent, active=row.active)
            client.backups.set(row.backups)
            created.append(row.code)
            continue
        same = (client.name == row.name and client.referent_id == row.referent.pk and client.active == row.active
                and {s.pk for s in client.backups.all()} == {s.pk for s in row.backups})
        if same:
            report.unchanged += 1
            continue
        client.name, client.referent, client.active = row.name, row.referent, row.active
        client.save()
        client.backups.set(row.backups)
        updated.append(row.code)
    report.created, report.updated = len(created), len(updated)
    report.written = bool(created or updated)
    if report.written:
        audit_log(actor=by, action="clients.import",
                  data={"created": created, "updated": updated, "unchanged": report.unchanged,
                        "errors": len(report.errors)})


def clients_export_rows() -> list[list]:
    """Every client as the import reads it, the header first (inactive ones too, `active` false)."""
    rows = [list(COLUMNS)]
    for client in clients_all():
        rows.append([client.code, client.name, client.referent.employee_id,
                     ";".join(staff.employee_id for staff in client.backups.all()),
                     "true" if client.active else "false"])
    return rows


EXPORT_FORMATS = ("csv", "xlsx")


def clients_export(*, fmt: str) -> bytes:
    """`clients_export_rows` as a CSV (UTF-8 with a BOM, for spreadsheet programs; the import
    reads it back) or XLSX file, guarded against formulas (academy.exports). Raises ValueError for
    another format."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    rows = clients_export_rows()
    if fmt == "csv":
        out = io.StringIO()
        csv_writer(out, lineterminator="\n").writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    # openpyxl is heavy to import and only exports need it: loaded when asked for.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Clients")
    for row in rows:
        xlsx_append(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDE", (16, 40, 20, 30, 8)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
