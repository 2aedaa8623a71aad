"""Shared by the import commands: read the file, run the import, print a line-numbered report."""
from pathlib import Path

from django.core.management.base import CommandError

from skills.imports import ImportFileError


def run_import(command, importer, *, path: str, partial: bool) -> None:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: fichier introuvable")
    try:
        report = importer(data=file.read_bytes(), partial=partial, source_name=file.name)
    except ImportFileError as exc:
        raise CommandError(f"{path}: {exc}") from exc
    for line in report.error_lines():
        command.stderr.write(f"{path}: {line}")
    if report.errors and not partial:
        raise CommandError(
            f"{len(report.errors)} erreur(s) : rien n'a été importé. Corrigez le fichier ou relancez avec --partial."
        )
    command.stdout.write(
        f"{report.created} créé(s), {report.updated} mis à jour, {report.unchanged} inchangé(s), "
        f"{len(report.errors)} ligne(s) en erreur ignorée(s)."
    )
