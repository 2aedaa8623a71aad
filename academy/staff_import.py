"""Import staff from a CSV export — the `import_staff` format of contracts/bridge-api.md.

    employee_id,username,email,first_name,last_name,team,profile,tier,manager_employee_id,languages

The whole file is validated before anything is written. Any invalid row: every error is reported
with its line number and nothing is written (one transaction), unless `partial` is set, in which
case the valid rows are imported and the others reported. Importing the same file twice changes
nothing the second time. Spreadsheet and directory exports are accepted as they come: `,` `;` or
tab as delimiter (sniffed from the header), an optional UTF-8 BOM, French profile labels.
An optional `hire_date` column (ISO date) is read when present.
"""
import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy import imports as kit
from academy.imports import ImportMessage
from academy.models import Profile, Staff, Team, Tier
from academy.services import audit_log, audit_log_many, event_publish_many, staff_event_data

COLUMNS = (
    "employee_id", "username", "email", "first_name", "last_name", "team", "profile", "tier",
    "manager_employee_id", "languages",
)
OPTIONAL_COLUMNS = ("hire_date",)
DELIMITERS = (",", ";", "\t")
MAX_BYTES = 10 * 1024 * 1024

_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
_LANGUAGE_SPLIT = re.compile(r"[;,|/\s]+")


def _fold(value: str) -> str:
    """Lower case, no accents, `_`/`-` as spaces, single spaces: 'Ingénieur' == 'ingenieur'."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return " ".join(value.replace("_", " ").replace("-", " ").lower().split())


PROFILE_ALIASES = {_fold(choice.value): choice.value for choice in Profile}
PROFILE_ALIASES.update({
    "technicien": Profile.TECHNICIAN,
    "administrateur": Profile.ADMINISTRATOR,
    "ingenieur": Profile.ENGINEER,
    "architecte": Profile.ARCHITECT,
    "chef de projet technique": Profile.PROJECT_LEAD,
    "chef de projet": Profile.PROJECT_LEAD,
})


@dataclass
class StaffImportReport:
    """What an import found and did. `errors` are rejected rows (or a rejected file);
    `written` tells whether anything was saved."""

    filename: str = ""
    partial: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    teams_created: list[str] = field(default_factory=list)
    errors: list[ImportMessage] = field(default_factory=list)
    warnings: list[ImportMessage] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return self.created + self.updated + len(self.teams_created)

    def error(self, line: int, message: str) -> None:
        self.errors.append(ImportMessage(line, message))

    def summary(self) -> str:
        if self.errors and not self.written:
            return ngettext("%(count)d erreur : rien n'a été importé.", "%(count)d erreurs : rien n'a été importé.",
                            len(self.errors)) % {"count": len(self.errors)}
        text = ", ".join([
            ngettext("%(n)d collaborateur créé", "%(n)d collaborateurs créés", self.created) % {"n": self.created},
            _("%(n)d mis à jour") % {"n": self.updated},
            ngettext("%(n)d inchangé", "%(n)d inchangés", self.unchanged) % {"n": self.unchanged},
        ]) + "."
        if self.teams_created:
            text += " " + ngettext("Équipe créée : %(teams)s.", "Équipes créées : %(teams)s.",
                                   len(self.teams_created)) % {"teams": ", ".join(self.teams_created)}
        if self.errors:
            text += " " + ngettext("%(count)d erreur : cette ligne n'a pas été importée.",
                                   "%(count)d erreurs : ces lignes n'ont pas été importées.",
                                   len(self.errors)) % {"count": len(self.errors)}
        if not self.changes and not self.errors:
            text += " " + _("Aucune modification.")
        return text

    def lines(self) -> list[str]:
        title = _("Import des collaborateurs")
        out = [f"{title} : {self.filename}" if self.filename else title]
        out += [str(error) for error in sorted(self.errors, key=lambda e: e.line)]
        out += [_("Avertissement — %(message)s") % {"message": str(w)} for w in self.warnings]
        out.append(self.summary())
        return out

    def __str__(self):
        return "\n".join(self.lines())


@dataclass
class _Row:
    line: int
    employee_id: str
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    team: str = ""
    profile: str = ""
    tier: str = ""
    manager: str = ""
    languages: list[str] = field(default_factory=list)
    hire_date: datetime.date | None = None
    has_hire_date: bool = False
    errors: list[str] = field(default_factory=list)


def staff_import(*, content: bytes, actor=None, partial: bool = False, filename: str = "") -> StaffImportReport:
    """Validate then import a staff CSV. Returns the report; never raises for bad input.

    Without `partial`, nothing is written when any row is invalid. With it, valid rows are
    written and the invalid ones (and rows whose manager was rejected) are reported."""
    report = StaffImportReport(filename=filename, partial=partial)
    text = _decode(content, report)
    if text is None:
        return report
    rows = _parse(text, report)
    if rows is None:
        return report
    _check_across_rows(rows, report)
    for row in rows:
        for message in row.errors:
            report.error(row.line, message)
    valid = [row for row in rows if not row.errors]
    if report.errors and not partial:
        return report
    if not valid:
        return report
    try:
        _write(valid, report, actor=actor)
    except IntegrityError as exc:
        # Another import or an admin edit changed the same people meanwhile: nothing was written.
        report.created = report.updated = report.unchanged = 0
        report.teams_created = []
        report.written = False
        report.error(valid[0].line, _("conflit d'écriture avec une autre modification (%(detail)s) ; "
                                      "relancez l'import.") % {"detail": exc})
    return report


def _decode(content: bytes, report: StaffImportReport) -> str | None:
    try:
        return kit.decode(content, columns=COLUMNS, max_bytes=MAX_BYTES)
    except kit.ImportFileError as exc:
        report.error(exc.line or 1, exc.message)
        return None


def _parse(text: str, report: StaffImportReport) -> list[_Row] | None:
    delimiter = kit.sniff_delimiter(text, known=COLUMNS + OPTIONAL_COLUMNS, delimiters=DELIMITERS)
    records = kit.rows(text, delimiter=delimiter, strict=True)
    rows: list[_Row] = []
    try:
        _line, header = next(records)
        header = [name.strip().lower() for name in header]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            report.error(1, ngettext("colonne manquante : %(missing)s. En-tête attendu : %(columns)s",
                                     "colonnes manquantes : %(missing)s. En-tête attendu : %(columns)s", len(missing))
                         % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)})
            return None
        duplicated = sorted({name for name in header if name and header.count(name) > 1})
        if duplicated:
            report.error(1, ngettext("colonne en double : %(names)s.", "colonnes en double : %(names)s.",
                                     len(duplicated)) % {"names": ", ".join(duplicated)})
            return None
        unknown = [name for name in header if name not in COLUMNS and name not in OPTIONAL_COLUMNS]
        if unknown:
            report.warnings.append(ImportMessage(1, ngettext(
                "colonne ignorée : %(names)s.", "colonnes ignorées : %(names)s.", len(unknown))
                % {"names": ", ".join(unknown)}))
        position = {name: header.index(name) for name in header}
        for line, values in records:
            report.rows += 1
            if len(values) != len(header):
                row = _Row(line=line, employee_id=values[0].strip() if values else "")
                row.errors.append(ngettext("%(found)d valeur au lieu de %(expected)d (séparateur « %(sep)s »).",
                                           "%(found)d valeurs au lieu de %(expected)d (séparateur « %(sep)s »).",
                                           len(values))
                                  % {"found": len(values), "expected": len(header), "sep": delimiter})
                rows.append(row)
                continue
            rows.append(_clean_row(line, {name: values[index].strip() for name, index in position.items()}))
    except kit.ImportFileError as exc:
        report.error(exc.line or 1, exc.message)
        return None
    if not rows:
        report.error(2, _("le fichier ne contient que l'en-tête : aucun collaborateur à importer."))
        return None
    return rows


def _clean_row(line: int, raw: dict[str, str]) -> _Row:
    row = _Row(line=line, employee_id=raw["employee_id"])
    errors = row.errors

    if not row.employee_id:
        errors.append(_("matricule (employee_id) manquant."))
    elif len(row.employee_id) > 32 or not _EMPLOYEE_ID.match(row.employee_id):
        errors.append(_("matricule « %(value)s » invalide (lettres, chiffres, . _ -, 32 caractères au plus).")
                      % {"value": row.employee_id})

    row.username = raw["username"]
    if not row.username:
        errors.append(_("identifiant (username) manquant."))
    else:
        try:
            UnicodeUsernameValidator()(row.username)
            if len(row.username) > 150:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(_("identifiant « %(value)s » invalide (lettres, chiffres et @ . + - _, 150 caractères au plus).")
                          % {"value": row.username})

    row.email = raw["email"]
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            errors.append(_("adresse e-mail « %(value)s » invalide.") % {"value": row.email})

    for name in ("first_name", "last_name"):
        setattr(row, name, raw[name])
        if len(raw[name]) > 150:
            errors.append(_("%(column)s trop long (150 caractères au plus).") % {"column": name})

    row.team = " ".join(raw["team"].split())
    if len(row.team) > 120:
        errors.append(_("nom d'équipe trop long (120 caractères au plus)."))

    profile = PROFILE_ALIASES.get(_fold(raw["profile"]))
    if profile is None:
        errors.append(_("profil « %(value)s » inconnu (valeurs acceptées : %(codes)s, ou technicien, "
                        "administrateur, ingénieur, architecte, chef de projet technique).")
                      % {"value": raw["profile"], "codes": ", ".join(Profile.values)})
    else:
        row.profile = str(profile)

    tier = raw["tier"].upper()
    if tier not in Tier.values:
        errors.append(_("niveau de support (tier) « %(value)s » inconnu (N1, N2 ou N3).") % {"value": raw["tier"]})
    else:
        row.tier = tier

    row.manager = raw["manager_employee_id"]
    if row.manager and row.manager == row.employee_id:
        errors.append(_("un collaborateur ne peut pas être son propre responsable."))

    for code in _LANGUAGE_SPLIT.split(raw["languages"].lower()):
        if not code:
            continue
        if not _LANGUAGE.match(code):
            errors.append(_("langue « %(value)s » invalide (codes ISO séparés par « ; », ex. fr;en).") % {"value": code})
        elif code not in row.languages:
            row.languages.append(code)

    if "hire_date" in raw:
        row.has_hire_date = True
        if raw["hire_date"]:
            try:
                row.hire_date = datetime.date.fromisoformat(raw["hire_date"])
            except ValueError:
                errors.append(_("date d'embauche « %(value)s » invalide (AAAA-MM-JJ).") % {"value": raw["hire_date"]})
    return row


def _check_across_rows(rows: list[_Row], report: StaffImportReport) -> None:
    """Duplicates, usernames taken by someone else, unknown managers and manager loops."""
    User = get_user_model()

    def flag_duplicates(key, label):
        seen: dict[str, list[_Row]] = {}
        for row in rows:
            value = key(row)
            if value:
                seen.setdefault(value, []).append(row)
        for value, same in seen.items():
            if len(same) > 1:
                lines = ", ".join(str(r.line) for r in same)
                for row in same:
                    row.errors.append(_("%(label)s « %(value)s » en double (lignes %(lines)s).")
                                      % {"label": label, "value": value, "lines": lines})

    flag_duplicates(lambda r: r.employee_id, _("matricule"))
    flag_duplicates(lambda r: r.username.lower(), _("identifiant"))
    flag_duplicates(lambda r: r.email.lower(), _("adresse e-mail"))

    in_file = {row.employee_id: row for row in rows if row.employee_id}
    existing = dict(Staff.objects.filter(employee_id__in=list(in_file)).values_list("employee_id", "user_id"))
    usernames = [row.username for row in rows if row.username]
    owners = {}  # lower-cased username -> (user id, employee id of their staff record or None)
    for user_id, username, employee_id in User.objects.filter(username__in=usernames).values_list(
            "id", "username", "staff__employee_id"):
        owners[username.lower()] = (user_id, employee_id)
    for row in rows:
        owner = owners.get(row.username.lower())
        if owner is None:
            continue
        user_id, owner_employee_id = owner
        if owner_employee_id is not None and owner_employee_id != row.employee_id:
            row.errors.append(_("identifiant « %(username)s » déjà utilisé par le matricule %(other)s.")
                              % {"username": row.username, "other": owner_employee_id})
        elif owner_employee_id is None and row.employee_id in existing:
            row.errors.append(_("identifiant « %(username)s » déjà pris par un autre compte.") % {"username": row.username})
    _check_emails_taken(rows, existing, owners)
    inactive = set(Staff.objects.filter(employee_id__in=list(in_file), active=False).values_list("employee_id", flat=True))
    for row in rows:
        if row.employee_id in inactive:
            report.warnings.append(ImportMessage(row.line, _(
                "%(employee_id)s est désactivé : sa fiche est mise à jour mais il n'est pas réactivé "
                "(utilisez l'action « Réactiver » de l'administration).") % {"employee_id": row.employee_id}))

    managers_needed = {row.manager for row in rows if row.manager} - set(in_file)
    known_managers = dict(Staff.objects.filter(employee_id__in=managers_needed).values_list("employee_id", "manager__employee_id"))
    for row in rows:
        if row.manager and row.manager not in in_file and row.manager not in known_managers:
            row.errors.append(_("responsable « %(manager)s » inconnu (ni dans le fichier ni dans l'Académie).")
                              % {"manager": row.manager})

    # A loop of managers (A manages B manages A) is an error on every line of the loop.
    db_managers = dict(Staff.objects.filter(employee_id__in=known_managers).values_list("employee_id", "manager__employee_id"))
    for row in rows:
        seen, current = {row.employee_id}, row.manager
        while current:
            if current == row.employee_id:
                row.errors.append(_("boucle de responsables : %(employee_id)s se retrouve parmi ses propres responsables.")
                                  % {"employee_id": row.employee_id})
                break
            if current in seen:
                break
            seen.add(current)
            current = in_file[current].manager if current in in_file else db_managers.get(current)

    # A row whose manager is only in a rejected row cannot be linked: reject it too (matters
    # with `partial`; otherwise nothing is written anyway). Repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        for row in rows:
            manager_row = in_file.get(row.manager)
            if (not row.errors and manager_row is not None and manager_row.errors
                    and row.manager not in existing):
                row.errors.append(_("responsable %(manager)s rejeté (ligne %(line)d).")
                                  % {"manager": row.manager, "line": manager_row.line})
                changed = True


def _check_emails_taken(rows: list[_Row], existing: dict[str, int], owners: dict[str, tuple]) -> None:
    """An e-mail address held by another account is an error on the row that would give it to a
    second one (unless that account gets another address in the same file). A row keeping the
    address its own account already has is left alone."""
    User = get_user_model()

    def target(row):  # the user id the row writes to, None for a new account
        if row.employee_id in existing:
            return existing[row.employee_id]
        owner = owners.get(row.username.lower())
        return owner[0] if owner else None

    emails = {row.email.lower() for row in rows if row.email}
    holders: dict[str, list[tuple]] = {}
    for user_id, username, email, employee_id in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails).values_list("id", "username", "email", "staff__employee_id"):
        holders.setdefault(email.lower(), []).append((user_id, username, employee_id))
    giving_up = {target(row): row.email.lower() for row in rows if target(row) is not None}
    for row in rows:
        if not row.email:
            continue
        mine, email = target(row), row.email.lower()
        others = [holder for holder in holders.get(email, ())
                  if holder[0] != mine and giving_up.get(holder[0], email) == email]
        if others and not any(holder[0] == mine for holder in holders.get(email, ())):
            _user_id, username, employee_id = others[0]
            row.errors.append(_("adresse e-mail « %(email)s » déjà utilisée par un autre compte (%(owner)s).")
                              % {"email": row.email, "owner": employee_id or username})


@transaction.atomic
def _write(rows: list[_Row], report: StaffImportReport, *, actor) -> None:
    """Write the valid rows set-wise (bulk_create / bulk_update, the search and reference indexes,
    audit entries and `staff.updated` events in bulk), with the result the rows would have saved
    one by one: users and staff first, then managers (a manager may come later in the file)."""
    User = get_user_model()
    now = timezone.now()
    reason = _("import des collaborateurs")
    ids = [row.employee_id for row in rows]
    locked = Staff.objects.select_for_update(of=("self",)).select_related("user", "team")
    staff_by_id = {}
    for start in range(0, len(ids), 5000):
        staff_by_id.update((s.employee_id, s) for s in locked.filter(employee_id__in=ids[start:start + 5000]))
    before = {employee_id: staff_event_data(staff) for employee_id, staff in staff_by_id.items()}
    teams = _teams(rows, report, actor=actor)
    changes: dict[str, list[str]] = {}

    # Pass 1: users, teams and staff records, without managers.
    new_rows = [row for row in rows if row.employee_id not in staff_by_id]
    users = {user.username: user for user in User.objects.filter(username__in=[row.username for row in new_rows])}
    users_new, users_changed, staff_new, staff_changed, renamed, staff_fields = [], [], [], [], [], {"updated_at"}
    for row in new_rows:
        user = users.get(row.username)
        if user is None:
            user = User(username=row.username, email=row.email, first_name=row.first_name, last_name=row.last_name)
            user.set_unusable_password()
            users_new.append(user)
        elif _assign(user, username=row.username, email=row.email, first_name=row.first_name,
                     last_name=row.last_name):
            users_changed.append(user)
        staff = Staff(user=user, employee_id=row.employee_id, team=teams.get(row.team.lower()))
        _assign(staff, profile=row.profile, tier=row.tier, languages=row.languages)
        if row.has_hire_date:
            staff.hire_date = row.hire_date
        # Unique employee ids were checked on the file; the team is one just found or created.
        staff.full_clean(exclude=["manager", "user", "team"], validate_unique=False)
        staff_new.append(staff)
        staff_by_id[row.employee_id] = staff
        changes[row.employee_id] = ["created"]
    for row in rows:
        if row.employee_id in changes:
            continue
        staff = staff_by_id[row.employee_id]
        user_changed = _assign(staff.user, username=row.username, email=row.email,
                               first_name=row.first_name, last_name=row.last_name)
        if user_changed:
            users_changed.append(staff.user)
            renamed.append(staff)  # the search index holds the user's names
        fields = _assign(staff, profile=row.profile, tier=row.tier, languages=row.languages)
        team = teams.get(row.team.lower())
        if staff.team_id != (team.pk if team else None):
            staff.team = team
            fields.append("team")
        if row.has_hire_date:
            fields += _assign(staff, hire_date=row.hire_date)
        if fields:
            staff.updated_at = now
            staff_changed.append(staff)
            staff_fields.update(fields)
        changes[row.employee_id] = user_changed + fields
    User.objects.bulk_create(users_new, batch_size=1000)
    for staff in staff_new:
        staff.user = staff.user  # the user's new primary key
    User.objects.bulk_update(users_changed, ["username", "email", "first_name", "last_name"], batch_size=1000)
    Staff.objects.bulk_create(staff_new, batch_size=1000)
    Staff.objects.bulk_update(staff_changed, sorted(staff_fields), batch_size=1000)

    # Pass 2: managers, now that everyone in the file exists.
    outside = {row.manager for row in rows if row.manager and row.manager not in staff_by_id}
    managers = {s.employee_id: s for s in Staff.objects.filter(employee_id__in=outside)}
    managers.update(staff_by_id)
    managed, by_manager = [], {}
    for row in rows:
        staff = staff_by_id[row.employee_id]
        manager = managers.get(row.manager) if row.manager else None
        if staff.manager_id != (manager.pk if manager else None):
            staff.manager, staff.updated_at = manager, now
            managed.append(staff)
            by_manager.setdefault(staff.manager_id, []).append(staff.pk)
            if changes[row.employee_id] != ["created"]:
                changes[row.employee_id].append("manager")
    for manager_id, staff_ids in by_manager.items():  # one UPDATE per manager (a team, often)
        for start in range(0, len(staff_ids), 5000):
            Staff.objects.filter(pk__in=staff_ids[start:start + 5000]).update(manager_id=manager_id, updated_at=now)
    saved = {id(staff): staff for staff in [*staff_new, *staff_changed, *renamed, *managed]}
    kit.saved_many(Staff, list(saved.values()))

    audit, events = [], []
    for row in rows:
        staff = staff_by_id[row.employee_id]
        fields = changes[row.employee_id]
        if fields == ["created"]:
            report.created += 1
            audit.append(("staff.create", staff, reason, {"employee_id": staff.employee_id, "line": row.line}))
        elif fields:
            report.updated += 1
            audit.append(("staff.update", staff, reason, {"employee_id": staff.employee_id, "fields": fields,
                                                          "line": row.line}))
        else:
            report.unchanged += 1
            continue
        data = staff_event_data(staff)
        if data != before.get(staff.employee_id):
            events.append((None, None, data))
    audit_log_many(actor=actor, entries=audit)
    event_publish_many(type="staff.updated", items=events)
    if report.changes:
        audit_log(actor=actor, action="staff.import", reason=report.filename, data={
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "teams_created": report.teams_created, "rejected_lines": [e.line for e in report.errors],
        })
    report.written = bool(report.changes)


def _teams(rows: list[_Row], report: StaffImportReport, *, actor) -> dict[str, Team]:
    """The teams the rows name, by lower-cased name: found case-insensitively, or created in the
    order the file first names them (audited, listed in the report)."""
    names: dict[str, str] = {}
    for row in rows:
        if row.team:
            names.setdefault(row.team.lower(), row.team)
    teams: dict[str, Team] = {}
    for team in Team.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=list(names)).order_by(
            *(Team._meta.ordering or ["pk"])):
        teams.setdefault(team.name.lower(), team)
    created = [Team(name=name) for key, name in names.items() if key not in teams]
    Team.objects.bulk_create(created)
    kit.saved_many(Team, created)
    for team in created:
        teams[team.name.lower()] = team
        report.teams_created.append(team.name)
    audit_log_many(actor=actor, entries=[("team.create", team, _("import des collaborateurs"), {})
                                             for team in created])
    return teams


def _assign(obj, **values) -> list[str]:
    """Set the attributes that differ; return their names (for the report and the audit trail)."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
