"""Faults as production meets them, with real processes: a Celery worker killed with SIGKILL in
the middle of a batch, an LRS and a router that are down for a while, a PostgreSQL restart under
traffic. Needs PostgreSQL (DATABASE_URL=postgres://…) and Redis; skipped with the reason
otherwise. The PostgreSQL restart uses a throwaway cluster of its own (initdb in a temporary
directory, on a free port, as the `postgres` OS user), never the machine's shared one."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from tests.services import REDIS_URL, redis_available, skip_unless_postgresql

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.slow,
              pytest.mark.skipif(not redis_available(), reason="Redis is not running on 127.0.0.1:6379")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receivers:
    """An LRS (POST …/xAPI/statements) and a router's webhook endpoint (POST /hooks) on one local
    HTTP server, counting every id they are sent. `delay` slows each answer (to catch a worker in
    the middle of a batch); `start()` may come late, on the port chosen up front (down until then)."""

    def __init__(self, delay: float = 0.0):
        self.port = _free_port()
        self.delay = delay
        self.statements: Counter = Counter()
        self.events: Counter = Counter()
        self.bodies: dict[str, str] = {}
        self.conflicting: list[str] = []
        self.event_order: list[str] = []  # webhook ids in the order they arrived
        self.lock = threading.Lock()
        self.server = None

    @property
    def lrs_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self):
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receivers.delay)
                with receivers.lock:
                    if self.path.startswith("/xAPI/statements"):
                        items = json.loads(raw)
                        ids = [s["id"] for s in items]
                        for s in items:
                            receivers._seen(receivers.statements, s["id"], json.dumps(s, sort_keys=True))
                        body, status = json.dumps(ids).encode(), 200
                    else:
                        receivers._seen(receivers.events, self.headers["X-Academie-Delivery"], raw.decode())
                        receivers.event_order.append(self.headers["X-Academie-Delivery"])
                        body, status = b"", 204
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def _seen(self, counter: Counter, key: str, body: str) -> None:
        counter[key] += 1
        if key in self.bodies and self.bodies[key] != body:
            self.conflicting.append(key)  # the same id with a different content: a real duplicate
        self.bodies.setdefault(key, body)

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def received(self) -> tuple[set, set]:
        with self.lock:
            return set(self.statements), set(self.events)


class Worker:
    """A Celery worker subprocess (tests/proof/fault_worker.py) on the test database."""

    def __init__(self, tmp_path: Path, queue: str, broker: str, name: str, beat: bool = False):
        settings_dict = connection.settings_dict
        database_url = (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
                        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")
        self.log = tmp_path / f"{name}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.test", "DATABASE_URL": database_url,
               "CELERY_BROKER_URL": broker, "ACADEMIE_VAR_DIR": str(tmp_path), "PROOF_QUEUE": queue,
               "DATABASE_CONN_MAX_AGE": "0"}
        args = [sys.executable, "-m", "tests.proof.fault_worker"] + (["--beat"] if beat else []) + [
            "--", "-Q", queue, "-n", f"{name}@{uuid.uuid4().hex[:6]}"]
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def kill(self):
        """SIGKILL the whole process group: no shutdown, no acknowledgement, no cleanup."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def _wait_until(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def broker_queue(monkeypatch):
    """Tasks queued by this test process go to Redis, on a queue of this test's own, for the
    worker subprocesses (the test settings would otherwise run them eagerly, in-process)."""
    from celery import Celery

    from learning_records.tasks import xapi_forward_task
    from routing_bridge.tasks import webhooks_deliver_task

    queue = f"academie-proof-{uuid.uuid4().hex[:10]}"
    client = Celery("academie-proof-client", broker=REDIS_URL, set_as_current=False)

    def sender(name):
        return lambda *args, **kwargs: client.send_task(name, args=args, kwargs=kwargs, queue=queue)

    monkeypatch.setattr(xapi_forward_task, "delay", sender("xapi.forward"))
    monkeypatch.setattr(webhooks_deliver_task, "delay", sender("routing_bridge.webhooks_deliver"))
    yield queue
    import redis

    redis.Redis.from_url(REDIS_URL).delete(queue)
    client.close()


def _traffic(n: int) -> tuple[set[str], set[str]]:
    """n learning events (n xAPI statements) and n events for the router, each in its own commit
    as the pages make them. Returns the ids the receivers must end up with."""
    from academy.models import Staff
    from academy.services import event_publish
    from learning_records.learning_events import Activity, learning_event_record
    from learning_records.models import Statement
    from routing_bridge.models import RouterClient
    from tests.factories import StaffFactory

    staff = Staff.objects.first() or StaffFactory()
    before_statements = set(Statement.objects.values_list("id", flat=True))
    cursor = RouterClient.objects.get(name="Routeur preuve").event_cursor
    for i in range(n):
        learning_event_record(staff=staff, verb="experienced",
                              activity=Activity(kind="lesson", key=str(1000 + i), name={"fr": f"Leçon {i}"}))
        event_publish(type="staff.updated", data={"employee_id": staff.employee_id, "n": i})
    from academy.models import Event

    statements = {str(s) for s in Statement.objects.values_list("id", flat=True)} - {str(s) for s in before_statements}
    events = {str(e) for e in Event.objects.filter(position__gt=cursor).values_list("id", flat=True)}
    return statements, events


def _endpoints(receivers: Receivers, batch_size: int = 5):
    from learning_records.models import LrsEndpoint
    from routing_bridge.services import router_client_create

    LrsEndpoint.objects.create(name="LRS preuve", url=receivers.lrs_url, batch_size=batch_size, timeout=3)
    router_client_create(name="Routeur preuve", scopes=["matrix:read"], webhook_url=receivers.hook_url)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing_once_a_worker_runs_again(tmp_path, broker_queue):
    skip_unless_postgresql()
    receivers = Receivers(delay=0.15).start()
    _endpoints(receivers)
    statements, events = _traffic(40)
    assert len(statements) == 40 and len(events) == 40

    # Two kills: the first in the middle of the xAPI batches, the second in the middle of the
    # webhook deliveries; then a worker with beat, as after a crash in production.
    first = Worker(tmp_path, broker_queue, REDIS_URL, "worker-1")
    try:
        assert _wait_until(lambda: len(receivers.received()[0]) >= 10, timeout=120), \
            f"the first worker delivered nothing:\n{first.tail()}"
        first.kill()
        at_first_kill = tuple(map(len, receivers.received()))
    finally:
        first.kill()
    assert at_first_kill[0] < 40, "the worker finished the statements before it was killed"

    second = Worker(tmp_path, broker_queue, REDIS_URL, "worker-2")
    try:
        assert _wait_until(lambda: len(receivers.received()[1]) >= 8, timeout=120), \
            f"the second worker delivered no webhook:\n{second.tail()}"
        second.kill()
        at_second_kill = tuple(map(len, receivers.received()))
    finally:
        second.kill()
    assert at_second_kill[1] < 40, "the worker finished the webhooks before it was killed"

    third = Worker(tmp_path, broker_queue, REDIS_URL, "worker-3", beat=True)
    try:
        done = _wait_until(lambda: receivers.received() == (statements, events), timeout=180, step=0.5)
        got_statements, got_events = receivers.received()
        assert done, (f"missing after recovery: {len(statements - got_statements)} statements, "
                      f"{len(events - got_events)} events\n{third.tail()}")
    finally:
        third.stop()
        receivers.stop()
    in_flight = (at_first_kill, at_second_kill)

    from learning_records.models import DeliveryState
    from routing_bridge.models import WebhookDelivery

    assert got_statements == statements and got_events == events  # nothing lost, nothing foreign
    assert not receivers.conflicting  # an id never came back with another content
    # At-least-once: what was in flight when the worker died may be sent again, never more.
    resent_statements = sum(c - 1 for c in receivers.statements.values())
    resent_events = sum(c - 1 for c in receivers.events.values())
    assert resent_statements <= 2 * 5 and resent_events <= 2, (resent_statements, resent_events)
    assert DeliveryState.objects.get().delivered_count == 40
    assert WebhookDelivery.objects.filter(status="delivered").count() == 40
    print(f"killed after (statements, webhooks) received = {in_flight}; re-sent after restart: {resent_statements} statements, "
          f"{resent_events} webhooks")


@pytest.mark.django_db(transaction=True)
def test_an_lrs_and_a_router_down_for_the_whole_test_receive_everything_once_back(tmp_path, broker_queue):
    skip_unless_postgresql()
    receivers = Receivers()  # not listening yet: connection refused
    _endpoints(receivers, batch_size=10)
    statements, events = _traffic(25)
    worker = Worker(tmp_path, broker_queue, REDIS_URL, "worker-down", beat=True)
    try:
        from learning_records.models import DeliveryState
        from routing_bridge.models import WebhookDelivery

        # Down long enough that the kicks queued after each commit are used up and the periodic
        # catch-up (beat, as in production) has tried again and failed too.
        failing = _wait_until(lambda: DeliveryState.objects.filter(consecutive_failures__gte=3).exists()
                              and WebhookDelivery.objects.filter(status="retrying", attempts__gte=3).exists()
                              and "Task xapi.forward_due[" in worker.log.read_text(errors="replace"),
                              timeout=120, step=0.5)
        assert failing, f"the worker did not try and fail repeatedly:\n{worker.tail()}"
        assert WebhookDelivery.objects.filter(status="delivered").count() == 0
        receivers.start()  # both come back
        done = _wait_until(lambda: receivers.received() == (statements, events), timeout=120, step=0.5)
        got_statements, got_events = receivers.received()
        assert done, (f"missing once back: {len(statements - got_statements)} statements, "
                      f"{len(events - got_events)} events\n{worker.tail()}")
    finally:
        worker.stop()
        receivers.stop()
    assert not receivers.conflicting
    assert all(count == 1 for count in receivers.statements.values())
    assert all(count == 1 for count in receivers.events.values())
    assert DeliveryState.objects.get().delivered_count == 25
    assert WebhookDelivery.objects.filter(status="delivered").count() == 25
    # Webhooks arrived in the order of the events (the contract: in `seq` order per client).
    from academy.models import Event

    assert receivers.event_order == [str(pk) for pk in Event.objects.filter(id__in=events).order_by("position")
                                     .values_list("id", flat=True)]


# PostgreSQL restart -----------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary directory, on a free port, run by the
    `postgres` OS user; removed at the end."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="academie-proof-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                           "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])

    def _as_postgres(self, args, check=True):
        return subprocess.run(["runuser", "-u", "postgres", "--"] + args, capture_output=True, text=True,
                              check=check, timeout=120)

    def _ctl(self, *args):
        return self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args])

    def start(self):
        self._ctl("-l", str(self.dir / "server.log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self):
        self._ctl("-m", "fast", "stop")

    def destroy(self):
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def _can_run_throwaway_postgres() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries are not in {PG_BIN}"
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return "starting a throwaway PostgreSQL cluster needs root (runuser -u postgres)"
    return None


def _get(url: str, timeout: float = 10.0) -> tuple[int | str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - a refused or hung connection is the failure we look for
        return type(exc).__name__, time.monotonic() - started


@pytest.mark.skipif(_can_run_throwaway_postgres() is not None, reason=_can_run_throwaway_postgres() or "")
def test_a_postgresql_restart_under_traffic_fails_requests_cleanly_then_recovers(tmp_path):
    pg = ThrowawayPostgres()
    gunicorn = None
    try:
        pg.start()
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                        str(pg.port), "academie_fault"], check=True, timeout=60)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.dev", "DEBUG": "false",
               "DATABASE_URL": pg.url("academie_fault"), "ACADEMIE_VAR_DIR": str(tmp_path),
               "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True, timeout=900)
        port = _free_port()
        log = tmp_path / "gunicorn.log"
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "academy.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        # A page that reads the database: an unknown certificate's public verification (404).
        url = f"http://127.0.0.1:{port}/certificats/verifier/INCONNU1/"
        assert _wait_until(lambda: _get(url)[0] == 404, timeout=60, step=0.5), log.read_text()[-3000:]

        outcomes: list[tuple[float, int | str, float]] = []
        stop = threading.Event()

        def traffic():
            while not stop.is_set():
                # Stamped when the request is sent: one sent before the stop may answer after it.
                sent = time.monotonic()
                status, took = _get(url)
                outcomes.append((sent, status, took))
                time.sleep(0.05)

        threads = [threading.Thread(target=traffic) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        pg.stop()
        down_at = time.monotonic()
        time.sleep(4)
        # A request sent while pg_ctl is starting the cluster again may already be answered: only
        # those sent before the restart began count as made while the database was down.
        restarting_at = time.monotonic()
        pg.start()
        up_at = time.monotonic()
        recovered = _wait_until(lambda: any(t > up_at and s == 404 for t, s, _ in outcomes[-6:]), timeout=30)
        time.sleep(8)  # keep the traffic going once recovered
        stop.set()
        for thread in threads:
            thread.join(timeout=20)

        during = [(s, took) for t, s, took in outcomes if down_at < t < restarting_at]
        served = [(round(t - down_at, 2), round(t - restarting_at, 2), s) for t, s, _ in outcomes
                  if down_at < t < up_at and s not in (500, 503)]  # (since stop, since restart began, status)
        first_ok = next((t for t, s, _ in outcomes if t > up_at and s == 404), None)
        after = [s for t, s, _ in outcomes if first_ok is not None and t > first_ok + 3]
        assert during, "no request was made while PostgreSQL was down"
        assert all(s in (500, 503) for s, _ in during), (Counter(s for s, _ in during), served)
        assert max(took for _, took in during) < 10, "a request hung while the database was down"
        assert recovered and after and all(s == 404 for s in after), Counter(after)
        assert gunicorn.poll() is None, "gunicorn died"
        boots = log.read_text().count("Booting worker")
        assert boots <= 4, f"workers restarted in a loop ({boots} boots)"
        print(f"{len(during)} requests while down, all {sorted(set(s for s, _ in during))}, slowest "
              f"{max(took for _, took in during):.2f}s; back to normal {first_ok - up_at:.1f}s after the restart; "
              f"{sum(1 for t, s, _ in outcomes if t > up_at and s != 404)} failures after it was up; "
              f"answered while the cluster was starting (s since stop, s since restart began, status): {served}")
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        pg.destroy()
