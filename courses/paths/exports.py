"""Export of a team's path progress: one row per assignment, as CSV (UTF-8 with BOM, so that
spreadsheet programs read the accents) or XLSX."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from academy.exports import csv_writer, xlsx_append
from academy.services import audit_log
from courses.paths import selectors

FORMATS = ("csv", "xlsx")


def _columns() -> list[str]:
    return [_("matricule"), _("nom"), _("équipe"), _("parcours"), _("origine"), _("assigné le"), _("échéance"),
            _("statut"), _("étapes obligatoires terminées"), _("étapes obligatoires"), _("progression (%)"),
            _("terminé le"), _("prochaine étape")]


def progress_rows(progress: list[selectors.AssignmentProgress]) -> list[list]:
    rows = []
    for row in progress:
        assignment = row.assignment
        rows.append([
            row.staff.employee_id,
            row.staff.display_name,
            row.staff.team.name if row.staff.team_id else "",
            row.path.name,
            assignment.get_origin_display(),
            timezone.localdate(assignment.assigned_at),
            assignment.due_on,
            row.status_label,
            row.required_done,
            row.required_total,
            row.percent,
            timezone.localtime(row.completed_at).replace(tzinfo=None) if row.completed_at else None,
            row.next_step.step.target_label if row.next_step else "",
        ])
    return rows


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(_columns())
    for row in rows:
        writer.writerow(["" if value is None else value.isoformat() if hasattr(value, "isoformat") else value
                         for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(rows: list[list]) -> bytes:
    # openpyxl is heavy to import and only this export needs it: loaded when asked for.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Parcours")
    xlsx_append(sheet, _columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        xlsx_append(sheet, row)
        for index in (6, 7):  # assigned on, due on
            sheet.cell(row=sheet.max_row, column=index).number_format = "DD/MM/YYYY"
        sheet.cell(row=sheet.max_row, column=12).number_format = "DD/MM/YYYY HH:MM"
    for column, width in zip("ABCDEFGHIJKLM", (12, 26, 22, 34, 12, 12, 12, 14, 10, 10, 10, 18, 40)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def team_progress_export(*, user, fmt: str, team=None, now=None) -> bytes:
    """The progress of the people `user` leads (optionally one team), audited."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = progress_rows(selectors.team_progress(user=user, team=team, now=now))
    audit_log(actor=user, action="path.export", reason=team.name if team else "",
              data={"format": fmt, "rows": len(rows)})
    return _xlsx(rows) if fmt == "xlsx" else _csv(rows)
