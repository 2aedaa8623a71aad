"""Benchmark of the skills matrix on PostgreSQL.

    .venv/bin/python bench/skills_matrix.py [--staff 10000] [--skills 60] [--evidences 1000000]
                                            [--calls 2000] [--keep] [--db academie_bench_skills]

Creates its own database (dropped at the end unless --keep), migrates it, bulk-loads staff and
evidences with COPY, then measures:
  1. full recomputation of the matrix from the ledger (`cells_recompute_all`): from empty cells
     (every cell created, every change logged and published) and again when nothing changed;
  2. `evidence_record` latency over --calls calls (p50, p99), CPU and SQL statements per call;
  3. the /equipe/ heatmap page of a 50-person team: time and query count.
Prints the figures; copy them into docs/benchmarks.md with the date.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCES = ["course", "exam", "certification", "manager", "import", "practice", "self"]
SOURCE_WEIGHTS = [25, 20, 15, 15, 10, 5, 10]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--skills", type=int, default=60)
    parser.add_argument("--evidences", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--team-size", type=int, default=50)
    parser.add_argument("--db", default="academie_bench_skills")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a database kept by --keep: skip migrate and load, empty the matrix first")
    return parser.parse_args()


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        conn.execute(f'CREATE DATABASE "{args.db}"')


def drop_database(args) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only)."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def step(label):
    """Time a step: wall clock, and CPU seconds of this process and of its PostgreSQL backend —
    on a shared, busy machine the CPU figures say what the work costs, the wall clock what it took."""
    class _Timer:
        def __enter__(self):
            print(f"… {label}", flush=True)
            self.start, self.cpu, self.db_cpu = time.perf_counter(), time.process_time(), _backend_cpu()
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.start
            self.cpu_seconds = time.process_time() - self.cpu
            self.db_cpu_seconds = _backend_cpu() - self.db_cpu
            print(f"  {label}: {self.seconds:.1f} s wall, CPU {self.cpu_seconds:.1f} s Python + "
                  f"{self.db_cpu_seconds:.1f} s PostgreSQL; load average {os.getloadavg()[0]:.1f}", flush=True)

    return _Timer()


def load(args, rng):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from academy.models import Staff, Team
    from skills.models import Domain, Skill
    from skills.services import scale_ensure_default

    scale_ensure_default()
    domains = [Domain.objects.create(code=f"D{d}", name_fr=f"Domaine {d}", sort_order=d) for d in range(6)]
    Skill.objects.bulk_create([Skill(code=f"D{i % 6}.S{i:03d}", name_fr=f"Compétence {i}", domain=domains[i % 6])
                               for i in range(args.skills)])
    skill_ids = list(Skill.objects.values_list("id", flat=True))
    teams = Team.objects.bulk_create([Team(name=f"Équipe {t:04d}")
                                      for t in range((args.staff + args.team_size - 1) // args.team_size)])
    User = get_user_model()
    User.objects.bulk_create([User(username=f"b{n:06d}", first_name="Prénom", last_name=f"Nom{n}", password="!")
                              for n in range(args.staff)], batch_size=5000)
    users = list(User.objects.filter(username__startswith="b").order_by("username").values_list("id", flat=True))
    tiers = ["N1"] * 6 + ["N2"] * 3 + ["N3"]
    Staff.objects.bulk_create([
        Staff(user_id=user_id, employee_id=f"B{n:06d}", team_id=teams[n // args.team_size].id,
              tier=rng.choice(tiers), languages=["fr"]) for n, user_id in enumerate(users)], batch_size=5000)
    staff_ids = list(Staff.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY skills_evidence (staff_id, skill_id, level, source, observed_at, valid_until, revoked_at, "
            "reference_type, reference_id, note, created_at, revoke_reason) FROM STDIN"
        ) as copy:
            for _ in range(args.evidences):
                observed = now - timedelta(days=rng.uniform(1, 1000))
                until = observed + timedelta(days=rng.uniform(30, 1100)) if rng.random() < 0.35 else None
                revoked = observed + timedelta(days=1) if rng.random() < 0.02 else None
                copy.write_row((rng.choice(staff_ids), rng.choice(skill_ids), rng.randint(1, 4),
                                rng.choices(SOURCES, SOURCE_WEIGHTS)[0], observed, until, revoked,
                                "bench", "", "", observed, ""))
        cursor.execute("ANALYZE")
    return staff_ids, skill_ids, teams


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    if not args.reuse:
        recreate_database(args)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from academy.models import Staff, Team
    from skills.models import Evidence, Skill, SkillChange, SkillLevel
    from skills.services import cells_recompute_all, evidence_record

    rng = random.Random(20261128)
    figures = {}
    try:
        if args.reuse:
            call_command("migrate", verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE skills_skilllevel, skills_skillchange")
                cursor.execute("DELETE FROM academy_event")
                cursor.execute("UPDATE academy_counter SET value = 0")
                cursor.execute("DELETE FROM skills_evidence WHERE reference_type = ''")
            staff_ids = list(Staff.objects.order_by("id").values_list("id", flat=True))
            skill_ids = list(Skill.objects.values_list("id", flat=True))
            teams = list(Team.objects.order_by("name"))
            args.staff, args.skills = len(staff_ids), len(skill_ids)
        else:
            with step("migrate"):
                call_command("migrate", verbosity=0)
            with step(f"load {args.staff} staff × {args.skills} skills, {args.evidences} evidences (COPY)") as t:
                staff_ids, skill_ids, teams = load(args, rng)
            figures["load_s"] = t.seconds
        with step("full recomputation, empty cells") as t:
            report = cells_recompute_all()
        figures["recompute_cold_s"] = t.seconds
        figures["recompute_cold_cpu_s"] = t.cpu_seconds + t.db_cpu_seconds
        print(f"  cells created {report.cells_created}, changes logged {report.changes_logged}")
        with step("full recomputation, nothing changed") as t:
            report2 = cells_recompute_all()
        figures["recompute_warm_s"] = t.seconds
        figures["recompute_warm_cpu_s"] = t.cpu_seconds + t.db_cpu_seconds
        assert report2.changes_logged == 0, report2

        staff = {s.id: s for s in Staff.objects.filter(id__in=rng.sample(staff_ids, min(500, len(staff_ids))))}
        skills = {s.id: s for s in Skill.objects.all()}
        durations = []
        statements, listener_statements, in_listener = [], [], []
        changes_before = SkillChange.objects.count()

        def count_statements(execute, sql, params, many, context):
            (listener_statements if in_listener else statements).append(sql)
            return execute(sql, params, many, context)

        # Statements run by the after-commit event listeners (the routing bridge's webhook kick)
        # are counted apart: they are not evidence_record's.
        from academy import services as academy_services

        def counted(listener):
            def run():
                in_listener.append(1)
                try:
                    listener()
                finally:
                    in_listener.pop()
            return run

        saved_listeners = academy_services._event_listeners[:]
        academy_services._event_listeners[:] = [counted(listener) for listener in saved_listeners]

        people = list(staff.values())
        cpu_start, db_cpu_start = time.process_time(), _backend_cpu()
        with connection.execute_wrapper(count_statements):
            for _ in range(args.calls):
                person, skill = rng.choice(people), skills[rng.choice(skill_ids)]
                start = time.perf_counter()
                evidence_record(staff=person, skill=skill, level=rng.randint(1, 4), source="exam")
                durations.append((time.perf_counter() - start) * 1000)
        python_cpu, db_cpu = time.process_time() - cpu_start, _backend_cpu() - db_cpu_start
        academy_services._event_listeners[:] = saved_listeners
        figures["record_cpu_ms_per_call"] = (python_cpu + db_cpu) * 1000 / args.calls
        figures["record_python_cpu_ms_per_call"] = python_cpu * 1000 / args.calls
        figures["record_statements_per_call"] = len(statements) / args.calls
        durations.sort()
        figures["record_p50_ms"] = statistics.median(durations)
        figures["record_p99_ms"] = durations[int(len(durations) * 0.99) - 1]
        changed = SkillChange.objects.count() - changes_before
        print(f"  evidence_record over {args.calls} calls ({changed} changed a cell): p50 "
              f"{figures['record_p50_ms']:.2f} ms, p99 {figures['record_p99_ms']:.2f} ms, CPU "
              f"{figures['record_cpu_ms_per_call']:.2f} ms per call ({figures['record_python_cpu_ms_per_call']:.2f} "
              f"Python + {db_cpu * 1000 / args.calls:.2f} PostgreSQL), "
              f"{figures['record_statements_per_call']:.2f} SQL statements per call (BEGIN/COMMIT not counted; "
              f"outside a transaction there are none) + {len(listener_statements) / args.calls:.2f} by the "
              f"after-commit event listeners; load average {os.getloadavg()[0]:.1f}")

        from django.contrib.auth import get_user_model

        lead, _created = get_user_model().objects.get_or_create(username="bench-lead")
        team = teams[0]
        Team.objects.get(pk=team.pk).leads.add(lead)
        client = Client()
        client.force_login(lead)
        url = f"/equipe/?team={team.pk}"
        client.get(url)  # warm-up
        timings = []
        for _ in range(10):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        figures["heatmap_ms"] = statistics.median(timings)
        figures["heatmap_queries"] = len(queries.captured_queries)
        # The same page without the sections other apps add to /equipe/ (training paths…).
        from skills import views as skills_views

        saved, skills_views._team_sections[:] = skills_views._team_sections[:], []
        timings = []
        for _ in range(10):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
        skills_views._team_sections[:] = saved
        figures["heatmap_skills_only_ms"] = statistics.median(timings)
        figures["heatmap_skills_only_queries"] = len(queries.captured_queries)
        members = Staff.objects.filter(team=team).count()
        print(f"  /equipe/ heatmap, {members} people × {len(skill_ids)} skills: median {figures['heatmap_ms']:.0f} ms, "
              f"{figures['heatmap_queries']} queries; skills part alone: {figures['heatmap_skills_only_ms']:.0f} ms, "
              f"{figures['heatmap_skills_only_queries']} queries")
        print()
        print(f"staff {args.staff}, skills {args.skills}, evidences {Evidence.objects.count()}, "
              f"cells {SkillLevel.objects.count()}, change log {SkillChange.objects.count()}")
        for key, value in figures.items():
            print(f"{key}: {value:.2f}")
    finally:
        if not args.keep:
            drop_database(args)


if __name__ == "__main__":
    main()
