"""Benchmark of the CSV imports on PostgreSQL, beside a plain COPY of the same rows.

    .venv/bin/python bench/imports.py [--staff 10000] [--skills 60] [--levels 200000] [--keep]
                                      [--db academie_bench_imports]

Creates its own database (dropped at the end unless --keep), migrates it, then measures:
  1. `staff_import` of a --staff people file (teams of 50, each led by its first member), then the
     same file again (nothing changes);
  2. `skill_levels_import` of a --levels rows file (--levels / --staff skills per person, levels 0-4,
     a third with a validity, various sources) into an empty ledger, then the same file again;
  3. for each file, the reference: COPY of the same rows into a scratch table of text columns in
     the same run (parsing and writing the bytes, no validation, no policy).
Prints wall clock and CPU (Python + PostgreSQL backend) per step; copy them into
docs/benchmarks.md with the date and the load average.
"""
import argparse
import csv
import io
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.skills_matrix import drop_database, recreate_database, step  # noqa: E402

SOURCES = ["", "", "", "manager", "certification", "exam", "course"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--skills", type=int, default=60)
    parser.add_argument("--levels", type=int, default=200_000)
    parser.add_argument("--team-size", type=int, default=50)
    parser.add_argument("--db", default="academie_bench_imports")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    return parser.parse_args()


def to_csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def staff_file(args, rng) -> bytes:
    from academy.staff_import import COLUMNS

    rows = []
    for n in range(args.staff):
        lead = n - n % args.team_size
        rows.append([f"B{n:06d}", f"b{n:06d}", f"b{n:06d}@example.org", "Prénom", f"Nom{n}",
                     f"Équipe {n // args.team_size:04d}", rng.choice(["technicien", "engineer", "administrator"]),
                     rng.choice(["N1", "N1", "N2", "N3"]), "" if n == lead else f"B{lead:06d}",
                     rng.choice(["fr", "fr;en", "en"])])
    return to_csv(COLUMNS, rows)


def levels_file(args, rng, codes) -> bytes:
    from skills.imports import LEVEL_COLUMNS

    per_person = max(1, args.levels // args.staff)
    rows = []
    for n in range(args.staff):
        for code in rng.sample(codes, min(per_person, len(codes))):
            until = (date.today() + timedelta(days=rng.randint(30, 900))).isoformat() if rng.random() < 0.33 else ""
            rows.append([f"B{n:06d}", code, rng.choice([0, 1, 1, 2, 2, 3, 3, 4]), until, rng.choice(SOURCES),
                         "bench" if rng.random() < 0.1 else ""])
            if len(rows) == args.levels:
                return to_csv(LEVEL_COLUMNS, rows)
    return to_csv(LEVEL_COLUMNS, rows)


def copy_reference(label: str, content: bytes) -> "step":
    """COPY the file's rows into a scratch table of text columns (the floor for any import)."""
    from django.db import connection, transaction

    header = content.split(b"\n", 1)[0].decode().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)
    with step(f"reference: COPY of the same rows ({label}) into a scratch table") as timer:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE bench_scratch ({columns})")
            with cursor.cursor.copy("COPY bench_scratch FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write(content)
            cursor.execute("DROP TABLE bench_scratch")
    return timer


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from academy.models import Event, Staff
    from academy.staff_import import staff_import
    from skills.imports import skill_levels_import
    from skills.models import Domain, Evidence, Skill, SkillChange, SkillLevel
    from skills.services import scale_ensure_default

    rng = random.Random(20261206)
    figures = []

    def record(label, timer, result=""):
        figures.append((label, timer.seconds, timer.cpu_seconds, timer.db_cpu_seconds, result))

    try:
        with step("migrate"):
            call_command("migrate", verbosity=0)
        scale_ensure_default()
        domains = [Domain.objects.create(code=f"D{d}", name_fr=f"Domaine {d}", sort_order=d) for d in range(6)]
        Skill.objects.bulk_create([Skill(code=f"D{i % 6}.S{i:03d}", name_fr=f"Compétence {i}", domain=domains[i % 6])
                                   for i in range(args.skills)])
        codes = list(Skill.objects.values_list("code", flat=True))

        people = staff_file(args, rng)
        with step(f"staff_import, {args.staff} people (new)") as timer:
            report = staff_import(content=people, filename="staff.csv")
        assert report.ok and report.created == args.staff, report.summary()
        record(f"`staff_import`, {args.staff:,} people, all new", timer,
               f"{report.created:,} people and {len(report.teams_created)} teams created, "
               f"{Event.objects.filter(type='staff.updated').count():,} `staff.updated` events")
        with step(f"staff_import, the same {args.staff} people again") as timer:
            report = staff_import(content=people, filename="staff.csv")
        assert report.ok and report.unchanged == args.staff, report.summary()
        record("the same file again (nothing changes)", timer, f"{report.unchanged:,} unchanged")
        record("reference: COPY of the same rows into a scratch table", copy_reference("staff", people))

        levels = levels_file(args, rng, codes)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        with step(f"skill_levels_import, {args.levels} rows (empty ledger)") as timer:
            report = skill_levels_import(data=levels, source_name="levels.csv")
        assert report.ok, report.error_lines()[:5]
        result = (f"{report.created:,} evidences, {SkillLevel.objects.count():,} cells, "
                  f"{SkillChange.objects.count():,} change-log rows and "
                  f"{Event.objects.filter(type='skill_level.changed').count():,} events; "
                  f"{report.unchanged:,} level-0 rows")
        print(f"  {result}")
        record(f"`skill_levels_import`, {args.levels:,} rows, empty ledger", timer, result)
        with step(f"skill_levels_import, the same {args.levels} rows again") as timer:
            again = skill_levels_import(data=levels, source_name="levels.csv")
        assert again.ok and again.created == 0, (again.created, again.error_lines()[:5])
        record("the same file again (nothing changes)", timer, f"{again.unchanged:,} unchanged")
        record("reference: COPY of the same rows into a scratch table", copy_reference("levels", levels))
        print()
        print(f"staff {Staff.objects.count()}, evidences {Evidence.objects.count()}, load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("| measure | wall clock | CPU (Python + PostgreSQL) | result |")
        print("|---|---|---|---|")
        for label, seconds, cpu, db_cpu, result in figures:
            print(f"| {label} | {seconds:.2f} s | {cpu:.2f} s + {db_cpu:.2f} s | {result} |")
    finally:
        if not args.keep:
            drop_database(args)


if __name__ == "__main__":
    main()
