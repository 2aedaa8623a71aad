"""Benchmark of the routing bridge on PostgreSQL.

    .venv/bin/python bench/bridge_qualified.py [--sizes 1000,10000,50000] [--skills 60] [--queries 300]
                                               [--http-seconds 15] [--detail-size 10000]
                                               [--keep] [--reuse] [--db academie_bench_bridge]

A quick check at a small size: --sizes 1000 --detail-size 1000 --queries 50 --http-seconds 3.

Creates its own database (dropped at the end unless --keep), migrates it once, then for each
size bulk-loads staff and a matrix (about a third of the skills held per person, levels 1-4,
one evidence per cell so that the reasons are real) with COPY, and measures:
  1. `POST qualified` in-process (selector + reasons): 3 required skills at level 2 and a tier
     filter (N1, N2), over --queries random skill triples: p50 and p99; then the same with the
     MSP around the ticket (contract 1.1): one client per question among 50 (a referent and two
     backups each, 5 resolved tickets per person over the last 200 days carrying a client), and
     availability reported for a third of the staff (one in ten of them absent, 0-8 open tickets),
     the default `available_only`;
  2. at 10,000 staff (--detail-size): a full snapshot through the API (`GET staff`, pages of 200);
  3. beside it, the same question answered by a plain numpy column scan of the same matrix (levels
     as a uint8 array staff × skills, active and tier masks, ranked top 10 by tier,
     over-qualification, employee id) in the same run, and the ratio of the p99s; at the end, the
     p99 growth from the smallest size to the largest;
  4. at 10,000 staff (--detail-size): on one gunicorn (2 sync workers, bench/bench_settings.py: the
     site plus a bare Django JSON view, `POST /bench/bare`, that parses the same body), wrk (apt
     install wrk) with 4 connections against `POST qualified` (random skill triples) and against the
     bare view, both req/s and their ratio; then `POST qualified` on 1 connection, p50 and p99; then
     the full snapshot over HTTP as a router takes it, parsed with the standard library's json.loads
     and, when orjson is installed (the `bench` extra: pip install -e ".[test,bench]"), with
     orjson.loads too.
The cache is Redis (--cache-url, as in production; "" for the local-memory cache).
Prints the figures; copy them into docs/benchmarks.md with the date.

--reuse takes a database kept by --keep as it is: no migrate, and no load when it already holds
exactly the requested number of staff (the load empties the tables and fills them again, about
30 s at 10,000 staff); another size is loaded as usual.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench_settings, bench_urls

SOURCES = ["course", "exam", "certification", "manager", "import", "practice"]
SOURCE_WEIGHTS = [25, 20, 15, 15, 10, 5]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--skills", type=int, default=60)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--http-seconds", type=int, default=15)
    parser.add_argument("--detail-size", type=int, default=10_000,
                        help="size at which the snapshot and HTTP figures are measured (default 10000)")
    parser.add_argument("--db", default="academie_bench_bridge")
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/9"),
                        help='the shared cache, as production has one (default Redis db 9; "" for local memory)')
    parser.add_argument("--host", default=os.environ.get("BENCH_PGHOST", "127.0.0.1"))
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a database kept by --keep: skip migrate, and the load when it holds that many staff")
    return parser.parse_args()


def admin_sql(args, *statements):
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{args.host}:5432/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values))) - 1))]


def load(n_staff, n_skills, rng):
    """Empty the organisation and matrix tables and load `n_staff` people."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from academy.models import Counter, Staff, Team
    from skills.models import CHANGE_COUNTER, Domain, Skill

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE skills_skilllevel, skills_skillchange, skills_evidence, routing_bridge_ticketfeedback, "
                       "routing_bridge_routerclient, routing_bridge_availability, academy_client CASCADE")
        cursor.execute("DELETE FROM academy_staff")
        cursor.execute("DELETE FROM academy_team")
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'b%%'")
    if not Skill.objects.exists():
        domains = [Domain.objects.create(code=f"D{d}", name_fr=f"Domaine {d}", sort_order=d) for d in range(9)]
        Skill.objects.bulk_create([Skill(code=f"D{i % 9}.S{i:03d}", name_fr=f"Compétence {i}", domain=domains[i % 9])
                                   for i in range(n_skills)])
    skill_ids = list(Skill.objects.order_by("id").values_list("id", flat=True))
    teams = Team.objects.bulk_create([Team(name=f"Équipe {t:04d}") for t in range(max(1, n_staff // 50))])
    User = get_user_model()
    User.objects.bulk_create([User(username=f"b{n:06d}", first_name="Prénom", last_name=f"Nom{n}", password="!")
                              for n in range(n_staff)], batch_size=5000)
    users = list(User.objects.filter(username__startswith="b").order_by("username").values_list("id", flat=True))
    tiers = ["N1"] * 6 + ["N2"] * 3 + ["N3"]
    Staff.objects.bulk_create([
        Staff(user_id=user_id, employee_id=f"B{n:06d}", team_id=teams[n % len(teams)].id, tier=rng.choice(tiers),
              languages=["fr"]) for n, user_id in enumerate(users)], batch_size=5000)
    staff_ids = list(Staff.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    cells = 0
    with connection.cursor() as cursor, tempfile.TemporaryFile("w+") as evidence_rows:
        with cursor.cursor.copy(
            "COPY skills_skilllevel (staff_id, skill_id, level, valid_until, sources, declared_level, updated_at) "
            "FROM STDIN"
        ) as copy_cells:
            for staff_id in staff_ids:
                for skill_id in rng.sample(skill_ids, n_skills // 3):
                    level = rng.randint(1, 4)
                    source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
                    observed = now - timezone.timedelta(days=rng.uniform(1, 700))
                    until = now + timezone.timedelta(days=rng.uniform(30, 700)) if source == "certification" else None
                    copy_cells.write_row((staff_id, skill_id, level, until, json.dumps([source]), 0, now))
                    evidence_rows.write("\t".join([str(staff_id), str(skill_id), str(level), source,
                                                   observed.isoformat(), until.isoformat() if until else "\\N",
                                                   "bench", now.isoformat(), "", "", ""]) + "\n")
                    cells += 1
        evidence_rows.seek(0)
        with cursor.cursor.copy(
            "COPY skills_evidence (staff_id, skill_id, level, source, observed_at, valid_until, reference_type, "
            "created_at, reference_id, note, revoke_reason) FROM STDIN"
        ) as copy_evidence:
            while chunk := evidence_rows.read(1 << 20):
                copy_evidence.write(chunk)
        # What autovacuum does on a live server: statistics, and the visibility map that lets
        # PostgreSQL answer from an index alone (the cells' (skill, level, staff) index).
        cursor.execute("VACUUM ANALYZE")
    Counter.objects.update_or_create(name=CHANGE_COUNTER, defaults={"value": cells})
    return staff_ids, skill_ids, cells


def load_msp(staff_ids, rng, n_clients=50, tickets_per_person=5):
    """Clients with a referent and two backups, resolved tickets carrying clients over the last
    200 days, and availability reports for a third of the staff."""
    from django.utils import timezone

    from academy.models import Client
    from routing_bridge.models import Availability, TicketFeedback

    now = timezone.now()
    clients = Client.objects.bulk_create([Client(code=f"CL{c:03d}", name=f"Client {c}",
                                                 referent_id=rng.choice(staff_ids)) for c in range(n_clients)])
    Client.backups.through.objects.bulk_create([
        Client.backups.through(client_id=client.id, staff_id=staff_id)
        for client in clients for staff_id in rng.sample(staff_ids, 2)])
    feedback = []
    for staff_id in staff_ids:
        for t in range(tickets_per_person):
            feedback.append(TicketFeedback(
                ticket_id=f"B-{staff_id}-{t}", category="Bench > Catégorie", category_key="bench > categorie",
                staff_id=staff_id, tier="N1", outcome="resolved", client_id=rng.choice(clients).id,
                occurred_at=now - timezone.timedelta(days=rng.uniform(0, 200)), received_at=now))
    TicketFeedback.objects.bulk_create(feedback, batch_size=5000)
    Availability.objects.bulk_create([
        Availability(staff_id=staff_id, available=rng.random() > 0.1, open_tickets=rng.randint(0, 8), reported_at=now)
        for staff_id in rng.sample(staff_ids, len(staff_ids) // 3)], batch_size=5000)
    return [client.code for client in clients], len(feedback)


def msp_clear():
    """Leave the database as the rest of the bench measures it (no client, feedback or report)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE routing_bridge_ticketfeedback, routing_bridge_availability, academy_client CASCADE")
    matrix_reset()


def matrix_reset():
    """The bulk load went through COPY: the triggers numbered the evidences and changed the
    versions, so the processes' copies follow by themselves; dropping them here only makes the
    build happen at the warm-up rather than at the first timed question."""
    from routing_bridge.matrix import matrix_reset as reset

    reset()


class ColumnScan:
    """The bench's yardstick: the same question answered by a plain numpy scan of the matrix's
    columns. Levels as a uint8 array, one contiguous row per skill (a column of the staff ×
    skills matrix), an active mask and the tier of each person, staff in employee id order."""

    def __init__(self):
        import numpy as np
        from django.db import connection

        self.np = np
        with connection.cursor() as cursor:
            cursor.execute("SELECT s.id, s.employee_id, s.tier, s.active FROM academy_staff s ORDER BY s.employee_id")
            staff = cursor.fetchall()
            cursor.execute("SELECT id, code FROM skills_skill ORDER BY id")
            skills = cursor.fetchall()
            row = {staff_id: n for n, (staff_id, *_rest) in enumerate(staff)}
            self.column = {code: n for n, (_id, code) in enumerate(skills)}
            column_of = {skill_id: n for n, (skill_id, _code) in enumerate(skills)}
            self.levels = np.zeros((len(skills), len(staff)), dtype=np.uint8)
            cursor.execute("SELECT staff_id, skill_id, level FROM skills_skilllevel "
                           "WHERE level > 0 AND (valid_until IS NULL OR valid_until > now())")
            for staff_id, skill_id, level in cursor.fetchall():
                self.levels[column_of[skill_id], row[staff_id]] = level
        self.employee_ids = [employee_id for _id, employee_id, _tier, _active in staff]
        self.tier = np.array([int(tier[1]) for _id, _e, tier, _active in staff], dtype=np.uint8)
        self.active = np.array([active for *_rest, active in staff], dtype=bool)

    def qualified(self, codes, min_level=2, tiers=("N1", "N2"), limit=10):
        """(number qualified, employee ids of the first `limit`)."""
        np = self.np
        ok = self.active & np.isin(self.tier, [int(t[1]) for t in tiers])
        for code in codes:
            ok &= self.levels[self.column[code]] >= min_level
        rows = np.flatnonzero(ok)
        over = np.zeros(len(rows), dtype=np.int16)
        for code in codes:
            over += self.levels[self.column[code]][rows]
        over -= min_level * len(codes)
        # Ranked by tier, then over-qualification, then employee id (the rows' order); nobody has
        # optional skills or an assignment in the bench, the other keys of the ranking.
        first = rows[np.lexsort((rows, over, self.tier[rows]))[:limit]]
        return len(rows), [self.employee_ids[n] for n in first]


def bench_scan(scan, skill_codes, rng, queries):
    """p50 and p99 of ColumnScan.qualified over random skill triples, in ms."""
    timings = []
    for n in range(queries + 20):
        codes = rng.sample(skill_codes, 3)
        start = time.perf_counter()
        scan.qualified(codes)
        if n >= 20:
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), percentile(timings, 99)


def scan_check(scan, skill_codes):
    """The scan answers the bench's question as `qualified` does (a fast wrong yardstick is none)."""
    from routing_bridge.qualification import Requirement, staff_qualified

    check = random.Random(11)
    for _ in range(10):
        codes = check.sample(skill_codes, 3)
        result = staff_qualified(required=[Requirement(c, 2) for c in codes], tiers=["N1", "N2"], limit=10)
        assert scan.qualified(codes) == (result.total_qualified, [c.employee_id for c in result.candidates]), (
            "the numpy scan and qualified differ")


def bench_qualified(skill_codes, rng, queries, clients=()):
    """`qualified` in-process; with `clients`, each question names one of them."""
    from routing_bridge.api import _qualification_out
    from routing_bridge.qualification import Requirement, staff_qualified

    def one():
        codes = rng.sample(skill_codes, 3)
        client = rng.choice(clients) if clients else None
        start = time.perf_counter()
        result = staff_qualified(required=[Requirement(c, 2) for c in codes], tiers=["N1", "N2"], limit=10,
                                 client=client)
        _qualification_out(result)
        return (time.perf_counter() - start) * 1000, result

    for _ in range(20):
        one()
    timings, totals = [], []
    cpu = time.process_time()
    for _ in range(queries):
        ms, result = one()
        timings.append(ms)
        totals.append(result.total_qualified)
    cpu_ms = (time.process_time() - cpu) * 1000 / queries
    # A fast wrong answer is no result: the same questions answered by the policy over the
    # ledger at the same instant (`at`) must give the same candidates.
    check = random.Random(queries)
    for _ in range(10):
        required = [Requirement(c, 2) for c in check.sample(skill_codes, 3)]
        client = check.choice(clients) if clients else None
        now = staff_qualified(required=required, tiers=["N1", "N2"], limit=10, client=client)
        ledger = staff_qualified(required=required, tiers=["N1", "N2"], limit=10, at=now.as_of, client=client)
        assert (now.total_qualified, [(c.employee_id, c.skills, c.client_familiarity) for c in now.candidates]) == (
            ledger.total_qualified, [(c.employee_id, c.skills, c.client_familiarity) for c in ledger.candidates]), \
            "the answers differ"
    return statistics.median(timings), percentile(timings, 99), statistics.mean(totals), cpu_ms


def bench_snapshot(token):
    """The full snapshot in-process (Django's test client, json.loads). Returns (total,
    requesting, parsing) seconds, the number of staff and of pages."""
    from django.test import Client

    client = Client()
    # One page first, as the qualified measure warms up: the first request of a process loads
    # the URL configuration and the API's schemas.
    assert client.get("/api/bridge/v1/staff", {"limit": 200}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    def fetch(params):
        response = client.get("/api/bridge/v1/staff", params, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content[:200]
        return response.content

    return page_through(fetch, json.loads)


def page_through(fetch, loads):
    """Every page of `GET staff` (200 per page), `fetch(params)` returning a page's body and
    `loads` parsing it. Returns (total, fetching, parsing) seconds, the number of staff and of
    pages."""
    cursor, count, pages, fetched, parsed = None, 0, 0, 0.0, 0.0
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        raw = fetch({"limit": 200} | ({"cursor": cursor} if cursor else {}))
        t1 = time.perf_counter()
        body = loads(raw)
        parsed += time.perf_counter() - t1
        fetched += t1 - t0
        count += len(body["items"])
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    return time.perf_counter() - start, fetched, parsed, count, pages


def snapshot_parsers():
    """[(name, loads)]: the standard library's json.loads, which every router has, and orjson's
    when it is installed (a router may well choose a faster parser; both figures are shown)."""
    parsers = [("json.loads", json.loads)]
    try:
        import orjson
    except ImportError:
        pass
    else:
        parsers.append((f"orjson.loads {orjson.__version__}", orjson.loads))
    return parsers


def http_snapshot(port, token, loads=json.loads):
    """A router's full snapshot over HTTP: every page of `GET staff` (200 per page) fetched on one
    keep-alive connection and parsed with `loads`. Returns (total, fetching, parsing) seconds,
    the number of staff and of pages."""
    import http.client
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def fetch(params):
        connection.request("GET", "/api/bridge/v1/staff?" + urlencode(params),
                           headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        raw = response.read()
        assert response.status == 200, raw[:200]
        return raw

    try:
        return page_through(fetch, loads)
    finally:
        connection.close()


def named_snapshot(port, token, parser):
    """`http_snapshot` with the parser of `snapshot_parsers` named `parser`."""
    return http_snapshot(port, token, dict(snapshot_parsers())[parser])


def router_snapshot(port, token, parser):
    """`named_snapshot` in a fresh interpreter holding nothing else, as a router's process: in
    this one, Django's objects (about 170,000) are walked by every full collection of Python's
    garbage collector, which parsing 50 pages of thousands of objects each sets off many times,
    and which a router's parse does not pay."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(named_snapshot, (port, token, parser))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk_script(token, bodies):
    """A wrk script that POSTs one of `bodies`, at random, on each request."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    with script:
        script.write("local bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}\n"
                     'wrk.method = "POST"\n'
                     'wrk.headers["Content-Type"] = "application/json"\n'
                     f'wrk.headers["Authorization"] = "Bearer {token}"\n'
                     "request = function() return wrk.format(nil, nil, nil, bodies[math.random(#bodies)]) end\n")
    return script.name


def wrk(url, script, connections, seconds):
    """Runs wrk; returns (req/s, {percentile: ms}, non-2xx line or '')."""
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          "--latency", "-s", script, url], capture_output=True, text=True).stdout
    rps = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec")), 0.0)
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "75%", "90%", "99%"):
            value = parts[1]
            unit = next(u for u in ("us", "ms", "s") if value.endswith(u))
            latency[parts[0]] = float(value[: -len(unit)]) * units[unit]
    non2xx = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "")
    return rps, latency, non2xx


def bench_http(args, token, skill_codes, seconds):
    if not shutil.which("wrk"):
        print("  wrk not found (apt install wrk): HTTP figures skipped")
        return None
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "academy.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--pythonpath", str(ROOT / "bench"), "--log-level", "warning"],
        cwd=ROOT, env=dict(os.environ), start_new_session=True)
    try:
        # The master binds at once; wait until a worker actually answers.
        import urllib.error
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/bridge/v1/taxonomy", timeout=5)
            except urllib.error.HTTPError:
                break  # 401: a worker is up
            except OSError:
                time.sleep(0.5)
        picker = random.Random(7)
        bodies = [json.dumps({"required": [{"skill": c, "min_level": 2} for c in picker.sample(skill_codes, 3)],
                              "tiers": ["N1", "N2"]}) for _ in range(200)]
        script = wrk_script(token, bodies)
        qualified_url = f"http://127.0.0.1:{port}/api/bridge/v1/qualified"
        bare_url = f"http://127.0.0.1:{port}/bench/bare"
        # Warm-up: both workers load what they keep (the matrix: a few seconds at 10,000 staff),
        # until a short run shows no build left.
        for url in (bare_url, qualified_url):
            for _ in range(20):
                _rps, latency, _non2xx = wrk(url, script, 4, 3)
                if latency.get("99%", 1e9) < 100:
                    break
        figures = {}
        for name, url in (("bare Django JSON view", bare_url), ("POST qualified", qualified_url)):
            rps, latency, non2xx = wrk(url, script, 4, seconds)
            figures[name] = rps
            print(f"  HTTP {name}, gunicorn 2 workers, wrk 4 connections, {seconds} s: {rps:.0f} req/s "
                  f"(p50 {latency.get('50%', 0):.2f} ms, p99 {latency.get('99%', 0):.2f} ms)", flush=True)
            if non2xx:
                print("  WARNING:", non2xx)
        ratio = figures["POST qualified"] / figures["bare Django JSON view"] if figures["bare Django JSON view"] else 0
        print(f"  POST qualified / bare view: {ratio:.0%}", flush=True)
        rps, latency, non2xx = wrk(qualified_url, script, 1, seconds)
        print(f"  HTTP POST qualified, 1 connection, {seconds} s: {rps:.0f} req/s, p50 {latency.get('50%', 0):.2f} ms, "
              f"p99 {latency.get('99%', 0):.2f} ms", flush=True)
        if non2xx:
            print("  WARNING:", non2xx)
        os.unlink(script)
        # Each page fetched then parsed, one after the other. The standard library's parser is
        # measured both here (as before) and in a process of its own like a router's.
        runs = [("the bench process", "json.loads", named_snapshot)]
        runs += [("its own process (as a router)", name, router_snapshot) for name, _loads in snapshot_parsers()]
        for where, name, run in runs:
            for attempt in ("first", "second"):
                total, fetched, parsed, count, pages = run(port, token, name)
                print(f"  full snapshot over HTTP (gunicorn, pages of 200), client in {where}, {name} per page, "
                      f"{attempt} pass: {count} staff in {pages} pages, {total:.2f} s ({fetched:.2f} s fetching, "
                      f"{parsed:.2f} s parsing)", flush=True)
        return figures["POST qualified"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ["CACHE_URL"] = args.cache_url
    os.environ["DEBUG"] = "0"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    if not args.reuse:
        admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"', f'CREATE DATABASE "{args.db}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from academy.models import Staff
    from routing_bridge.models import SCOPES, RouterClient
    from routing_bridge.services import router_client_create
    from skills.models import Skill, SkillLevel

    rng = random.Random(20261128)
    results = {}
    try:
        if not args.reuse:
            print("… migrate", flush=True)
            call_command("migrate", verbosity=0)
        for size in [int(s) for s in args.sizes.split(",")]:
            start = time.perf_counter()
            if args.reuse and Staff.objects.count() == size:
                print(f"reused the {size} staff already loaded ({SkillLevel.objects.count()} cells)", flush=True)
            else:
                _staff, _skills, cells = load(size, args.skills, rng)
                print(f"loaded {size} staff × {args.skills} skills ({cells} cells and evidences) in "
                      f"{time.perf_counter() - start:.1f} s", flush=True)
            matrix_reset()
            codes = list(Skill.objects.values_list("code", flat=True))
            p50, p99, mean_total, cpu_ms = bench_qualified(codes, rng, args.queries)
            results[size] = {"p50": p50, "p99": p99}
            print(f"  qualified (3 required skills ≥ 2, tiers N1+N2), {args.queries} queries: p50 {p50:.2f} ms, "
                  f"p99 {p99:.2f} ms, {mean_total:.0f} qualified on average; Python CPU {cpu_ms:.2f} ms per call",
                  flush=True)
            scan = ColumnScan()
            scan_check(scan, codes)
            scan_p50, scan_p99 = bench_scan(scan, codes, rng, args.queries)
            print(f"  the same by a numpy column scan of the matrix: p50 {scan_p50:.3f} ms, p99 {scan_p99:.3f} ms; "
                  f"qualified / scan: p50 {p50 / scan_p50:.1f}×, p99 {p99 / scan_p99:.1f}×", flush=True)
            start = time.perf_counter()
            client_codes, tickets = load_msp(list(Staff.objects.values_list("id", flat=True)), rng)
            matrix_reset()
            print(f"  loaded {len(client_codes)} clients, {tickets} resolved tickets carrying a client and "
                  f"availability for a third of the staff in {time.perf_counter() - start:.1f} s", flush=True)
            msp_p50, msp_p99, msp_total, msp_cpu = bench_qualified(codes, rng, args.queries, clients=client_codes)
            results[size].update({"msp_p50": msp_p50, "msp_p99": msp_p99})
            print(f"  qualified with a client and availability (contract 1.1), {args.queries} queries: "
                  f"p50 {msp_p50:.2f} ms, p99 {msp_p99:.2f} ms, {msp_total:.0f} qualified on average; "
                  f"Python CPU {msp_cpu:.2f} ms per call", flush=True)
            msp_clear()
            if size == args.detail_size:
                RouterClient.objects.filter(name="bench").delete()  # left by an earlier run when reusing
                token = router_client_create(name="bench", scopes=list(SCOPES),
                                             rate_limit_per_minute=100_000).token  # the most allowed
                seconds, requested, parsed, count, pages = bench_snapshot(token)
                results[size]["snapshot_s"] = seconds
                print(f"  full snapshot through GET staff (in-process, json.loads): {count} staff in {pages} "
                      f"pages, {seconds:.2f} s ({requested:.2f} s requesting, {parsed:.2f} s parsing)", flush=True)
                connections.close_all()
                results[size]["rps"] = bench_http(args, token, codes, args.http_seconds)
        sizes = sorted(results)
        if len(sizes) > 1:
            ratio = results[sizes[-1]]["p99"] / results[sizes[0]]["p99"]
            print(f"qualified p99 growth from {sizes[0]} to {sizes[-1]} staff: {ratio:.2f}×")
    finally:
        from routing_bridge.matrix import matrix_listeners_stop

        matrix_listeners_stop()  # its connection would keep the database from being dropped
        connections.close_all()
        if not args.keep:
            admin_sql(args, f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
