"""Benchmark of `PUT availability` on PostgreSQL (contract 1.1: 500 items in one request apply
in ≤ 50 ms).

    .venv/bin/python bench/availability.py [--staff 10000] [--items 500] [--rounds 30] [--keep]
                                           [--db academie_bench_availability]

Creates its own database (dropped at the end unless --keep), migrates it, creates --staff staff,
then sends --rounds requests of --items reports each (random people, presence, open tickets and
`until`) through the whole API in-process (Django's test client: middleware, token, parsing,
validation, one read of the employee ids, one upsert) and prints p50, p99 and the best time in ms.
Beside it, the first `qualified` after each report: what a process's copy pays to read the
reports again (one read of those that apply), p50 and p99.
"""
import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench_settings

from bridge_qualified import admin_sql, percentile  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--db", default="academie_bench_availability")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    return parser.parse_args()


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ["CACHE_URL"] = ""
    os.environ["DEBUG"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"', f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from academy.models import Staff
    from routing_bridge.qualification import Requirement, staff_qualified
    from routing_bridge.services import router_client_create
    from skills.models import Domain, Skill

    settings.ALLOWED_HOSTS = ["*"]
    settings.BRIDGE_MATRIX_LISTEN = False  # each question reads what changed: the cost measured below
    rng = random.Random(20261206)
    try:
        print("… migrate", flush=True)
        call_command("migrate", verbosity=0)
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"u{i:05d}", first_name="P", last_name=f"{i}") for i in range(args.staff)])
        Staff.objects.bulk_create([Staff(user=u, employee_id=f"E{i:05d}", tier="N1", profile="technician")
                                   for i, u in enumerate(users)])
        domain = Domain.objects.create(code="AD", name_fr="Active Directory")
        Skill.objects.create(code="AD.GPO", name_fr="GPO", domain=domain)
        token = router_client_create(name="bench", scopes=["availability:write", "qualified:query"],
                                     rate_limit_per_minute=100_000).token
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        put_ms, read_ms = [], []
        staff_qualified(required=[Requirement("AD.GPO", 1)])  # the copy is built here
        for round_ in range(args.rounds + 1):
            items = [{"employee_id": f"E{rng.randrange(args.staff):05d}", "available": rng.random() > 0.2,
                      "open_tickets": rng.randrange(8),
                      "until": None if rng.random() < 0.5 else "2099-01-01T00:00:00Z"} for _ in range(args.items)]
            body = json.dumps({"items": items})
            start = time.perf_counter()
            response = client.put("/api/bridge/v1/availability", body, content_type="application/json")
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.content
            start = time.perf_counter()
            staff_qualified(required=[Requirement("AD.GPO", 1)])
            reread = (time.perf_counter() - start) * 1000
            if round_:  # the first warms up (connection, statements)
                put_ms.append(elapsed)
                read_ms.append(reread)
        print(f"PUT availability, {args.items} items, {args.staff} staff, {args.rounds} requests in-process: "
              f"p50 {percentile(put_ms, 50):.1f} ms, p99 {percentile(put_ms, 99):.1f} ms, best {min(put_ms):.1f} ms")
        print(f"  the next qualified (the copy reads the reports again): p50 {percentile(read_ms, 50):.1f} ms, "
              f"p99 {percentile(read_ms, 99):.1f} ms")
    finally:
        connections.close_all()
        if not args.keep:
            admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
