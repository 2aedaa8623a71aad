"""Benchmark of the Request Tracker connector: a burst of new tickets routed end to end (poll,
route, assign, comment) against a real RT 5, beside the bridge's own in-process `route` time.

    .venv/bin/python bench/rt_burst.py [--tickets 1000] [--staff 30] [--keep]
                                       [--db academie_bench_rt] [--rt-dir /tmp/academie-rt-bench]

Creates its own PostgreSQL database (dropped at the end unless --keep) and its own RT
(scripts/rt_test_server.sh in --rt-dir on port 9593, reset at the end unless --keep), --staff
people with RT accounts, three category rules and two clients; creates --tickets new tickets in
RT (not timed), then times polls of the connector until every ticket is routed. Prints the time
per ticket end to end, and `ticket_route` for the same tickets in process (p50, mean).
"""
import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench_settings

from bridge_qualified import admin_sql, percentile  # noqa: E402

CATEGORIES = [("Réseau > VPN", "NET.VPN"), ("Active Directory", "AD.GPO"), ("Messagerie", "M365.EXO")]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--db", default="academie_bench_rt")
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--rt-dir", default="/tmp/academie-rt-bench")
    parser.add_argument("--keep", action="store_true", help="keep the database and RT at the end")
    return parser.parse_args()


def rt_script(args, action):
    env = {**os.environ, "RT_TEST_DIR": args.rt_dir, "RT_TEST_PORT": "9593"}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "rt_test_server.sh"), action], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"rt_test_server.sh {action} failed: {done.stderr}")


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ["CACHE_URL"] = ""
    os.environ["DEBUG"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"', f'CREATE DATABASE "{args.db}"')
    rt_script(args, "start")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from academy.clients import client_create
    from academy.models import Staff
    from routing_bridge.connectors.credentials import secret_encrypt
    from routing_bridge.connectors.sync import connector_sync
    from routing_bridge.models import Connector, RoutedTicket
    from routing_bridge.routing import ticket_route
    from routing_bridge.services import category_rule_save, router_client_create
    from skills.models import Domain, Skill
    from skills.services import evidence_record

    api = "http://127.0.0.1:9593/REST/2.0"
    root = requests.Session()
    root.auth = ("root", "password")
    tag = str(int(time.time()))
    try:
        print("… migrate", flush=True)
        call_command("migrate", verbosity=0)
        skills = {}
        for category, code in CATEGORIES:
            domain = Domain.objects.create(code=code.split(".")[0], name_fr=code)
            skills[code] = Skill.objects.create(code=code, name_fr=code, domain=domain)
            category_rule_save(category=category, required=[(skills[code], 2)])
        long_ago = timezone.now() - timedelta(days=400)
        people = []
        for i in range(args.staff):
            login = f"b{tag}-{i:03d}"
            root.post(f"{api}/user", json={"Name": login, "EmailAddress": f"{login}@example.com", "Privileged": 1})
            user = get_user_model().objects.create(username=login, first_name="P", last_name=str(i))
            staff = Staff.objects.create(user=user, employee_id=f"B{i:04d}", tier=("N1", "N2", "N3")[i % 3])
            for code in skills:
                evidence_record(staff=staff, skill=skills[code], level=2 + (i + len(code)) % 3, source="exam",
                                observed_at=long_ago)
            people.append(staff)
        client_create(code="DUPONT", name="Dupont", referent=people[1])
        client_create(code="MARTIN", name="Martin", referent=people[2])
        queue = f"Burst-{tag}"
        root.post(f"{api}/queue", json={"Name": queue})
        router = router_client_create(name="rt-bench", scopes=["feedback:write"]).client
        connector = Connector.objects.create(router=router, name="RT bench", base_url="http://127.0.0.1:9593",
                                             username="academie", secret_encrypted=secret_encrypt("academie-rt"),
                                             queues=[queue])
        assert connector_sync(connector_id=connector.pk).error == ""
        print(f"… {args.tickets} tickets created in RT", flush=True)
        asked = []
        for i in range(args.tickets):
            category = CATEGORIES[i % 3][0]
            client = ("", "DUPONT", "MARTIN")[i % 3]
            fields = {"Catégorie": category, **({"Client": client} if client else {})}
            response = root.post(f"{api}/ticket", json={"Queue": queue, "Subject": f"Burst {i}",
                                                         "CustomFields": fields})
            assert response.status_code == 201, response.text
            asked.append((category, client or None))
        print("… polling", flush=True)
        start = time.perf_counter()
        polls = 0
        while RoutedTicket.objects.filter(connector=connector).count() < args.tickets:
            result = connector_sync(connector_id=connector.pk)
            assert result.error == "", result.error
            polls += 1
        elapsed = time.perf_counter() - start
        assigned = RoutedTicket.objects.filter(connector=connector, status="assigned", comment_posted=True).count()
        route_ms = []
        for category, client in asked:
            t0 = time.perf_counter()
            ticket_route(category=category, client=client, limit=5)
            route_ms.append((time.perf_counter() - t0) * 1000)
        print(f"RT burst: {args.tickets} tickets routed end to end (poll, route, assign, comment) in {elapsed:.1f} s "
              f"over {polls} poll(s): {elapsed * 1000 / args.tickets:.1f} ms per ticket; {assigned} assigned and "
              f"commented")
        print(f"  ticket_route in process, same tickets: p50 {percentile(route_ms, 50):.2f} ms, "
              f"mean {sum(route_ms) / len(route_ms):.2f} ms")
    finally:
        from routing_bridge.matrix import matrix_listeners_stop

        matrix_listeners_stop()  # its connection would keep the database from being dropped
        connections.close_all()
        if not args.keep:
            admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"')
            rt_script(args, "reset")


if __name__ == "__main__":
    main()
