"""A small LRS double served over real HTTP on loopback, for the answers Ralph does not give on
demand: a 400 naming one bad statement, "already exists" answers, 503s, slowness, and reads by
id in the specification's shape (Ralph's are tested against Ralph itself)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeLrs:
    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.requests: list[dict] = []  # {"ids": [...], "headers": {...}}
        self.reads: list[str] = []  # ids asked for with GET ?statementId=
        self.reject_ids: set[str] = set()  # answered 400 whenever the batch contains one of them
        # ok | down (503) | slow (sleeps longer than the client timeout)
        self.mode = "ok"
        # A batch holding an id already stored with another content is refused whole, nothing
        # stored: "409" (as Ralph and the specification) or "exists" (400 "already exists").
        self.conflict = "409"
        self.same_is_conflict = False  # also refuses an id held with the same content (the spec allows it)
        self.conflict_everything = False  # says "conflict" for every batch (a confused LRS)
        self.readable = True  # False: GET answers 403 (write-only credentials)
        self.delay = 3.0
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = parse_qs(urlparse(self.path).query)
                statement_id = query.get("statementId", [""])[0]
                lrs.reads.append(statement_id)
                if not lrs.readable:
                    return self._answer(403, {"detail": "write-only credentials"})
                held = lrs.stored.get(statement_id)
                if held is None:
                    return self._answer(404, {"detail": "not found"})
                # What an LRS adds or rewrites without changing the statement.
                served = {**held, "stored": "2026-12-01T10:00:00.000Z", "version": "1.0.3",
                          "authority": {"objectType": "Agent", "account": {"homePage": "http://lrs", "name": "x"}}}
                if "timestamp" in held:
                    served["timestamp"] = held["timestamp"].replace("+00:00", "Z")
                return self._answer(200, served)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                ids = [statement["id"] for statement in body]
                lrs.requests.append({"ids": ids, "headers": dict(self.headers)})
                if lrs.mode == "down":
                    return self._answer(503, {"detail": "maintenance"})
                if lrs.mode == "slow":
                    time.sleep(lrs.delay)
                bad = [statement_id for statement_id in ids if statement_id in lrs.reject_ids]
                if bad:
                    return self._answer(400, {"detail": f"statement {bad[0]}: result.score.raw out of range"})
                differing = [s["id"] for s in body if s["id"] in lrs.stored
                             and (lrs.same_is_conflict or lrs.stored[s["id"]] != s)]
                if differing or lrs.conflict_everything:
                    if lrs.conflict == "exists":
                        return self._answer(400, {"detail": "Statement already exists"})
                    return self._answer(409, {"detail": f"Differing statements already exist: {differing}"})
                for statement in body:
                    lrs.stored.setdefault(statement["id"], statement)
                return self._answer(200, ids)

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xAPI"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
