"""xAPI throughput: statements recorded per second (build + Ralph validation + store, one
transaction per learning event, as courses and assessments record them) and statements
forwarded per second, in batches, to a real local Ralph LRS (`ralph runserver -b fs`).

    .venv/bin/python bench/xapi_throughput.py [--count 2000] [--batch-size 200]

Runs on SQLite in memory by default (DATABASE_URL=postgres://… to use PostgreSQL; a test
database is created and dropped). Prints its figures; docs/benchmarks.md keeps them.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")


class _NoMigrations(dict):
    """Build the schema straight from the models (much faster than running every migration)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MIGRATION_MODULES = _NoMigrations()
    settings.ACADEMIE_LRS_URL = None
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.count, args.batch_size)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def run(count: int, batch_size: int) -> None:
    import uuid
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from academy.models import Staff, Team
    from learning_records.forwarding import endpoint_forward
    from learning_records.learning_events import Activity, Result, learning_event_record
    from learning_records.models import LrsEndpoint, Statement
    from learning_records.ralph_lrs import RalphLrs
    from learning_records.services import statement_build, statement_validate

    team = Team.objects.create(name="Support N1 Paris")
    staff = Staff.objects.create(user=get_user_model().objects.create(username="lea"), employee_id="E10001",
                                 team=team)
    exam = Activity("assessment", "ad-101-final", {"fr": "Examen final"})
    domain = Activity("domain", "AD", {"fr": "Active Directory"})
    registration = uuid.uuid4()

    def event(index):
        question = Activity("question", f"q{index}", {"fr": f"Question {index}"},
                            extra={"interactionType": "choice", "correctResponsesPattern": ["a"],
                                   "choices": [{"id": "a", "description": {"fr": "A"}},
                                               {"id": "b", "description": {"fr": "B"}}]})
        return dict(staff=staff, verb="answered", activity=question, parent=exam, grouping=(domain,),
                    registration=registration,
                    result=Result(response="a", success=True, score_raw=1, score_min=0, score_max=1,
                                  duration=timedelta(seconds=42)))

    print(f"database: {connection.vendor}; statements: {count}; batch size: {batch_size}; "
          f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}")

    started = time.perf_counter()
    for index in range(count):
        data = statement_build(statement_id=uuid.uuid4(), **{k: v for k, v in event(index).items()
                                                           if k != "staff"}, staff=staff, timestamp=None)
        statement_validate(data)
    elapsed = time.perf_counter() - started
    print(f"build + Ralph validation only: {count / elapsed:8.0f} statements/s")

    started = time.perf_counter()
    for index in range(count):
        with transaction.atomic():
            learning_event_record(**event(index))
    elapsed = time.perf_counter() - started
    print(f"recorded (one transaction each): {count / elapsed:8.0f} statements/s ({elapsed:.2f} s)")
    started = time.perf_counter()
    with transaction.atomic():
        for index in range(count):
            learning_event_record(**event(index))
    elapsed = time.perf_counter() - started
    print(f"recorded (all in one transaction, e.g. an import): {count / elapsed:8.0f} statements/s")
    assert Statement.objects.count() == 2 * count
    count *= 2

    with tempfile.TemporaryDirectory() as directory, RalphLrs(Path(directory)) as lrs:
        lrs.start()
        endpoint = LrsEndpoint.objects.create(name="Ralph local", url=lrs.url, username=lrs.username,
                                              password=lrs.password, batch_size=batch_size, timeout=60)
        started = time.perf_counter()
        report = endpoint_forward(endpoint=endpoint, force=True)
        elapsed = time.perf_counter() - started
        if report.error:
            raise SystemExit(f"forwarding failed: {report.error}")
        print(f"forwarded to Ralph LRS: {report.delivered / elapsed:8.0f} statements/s "
              f"({report.batches} batches, {elapsed:.2f} s)")
        received = lrs.statements(page_size=1000)
        unique = {statement["id"] for statement in received}
        print(f"Ralph holds {len(received)} statements, {len(unique)} distinct "
              f"({'exactly once' if len(received) == len(unique) == count else 'MISMATCH'})")

        # Re-sending everything (a lost answer) must not create duplicates.
        from learning_records.models import DeliveryState

        DeliveryState.objects.filter(pk=endpoint.pk).update(cursor=0)
        started = time.perf_counter()
        report = endpoint_forward(endpoint=endpoint, force=True)
        elapsed = time.perf_counter() - started
        print(f"re-sent after a lost answer: {report.delivered / elapsed:8.0f} statements/s; "
              f"Ralph holds {len(lrs.statements(page_size=1000))}")


if __name__ == "__main__":
    main()
