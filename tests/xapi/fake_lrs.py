"""A small LRS double served over real HTTP on loopback, for the answers Ralph does not give on
demand: a 400 naming one bad statement, "already exists" answers, 503s, and slowness."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLrs:
    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.requests: list[dict] = []  # {"ids": [...], "headers": {...}}
        self.reject_ids: set[str] = set()  # answered 400 whenever the batch contains one of them
        # ok | down (503) | slow (sleeps longer than the client timeout) | exists (400 "already exists")
        self.mode = "ok"
        self.delay = 3.0
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

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
                if lrs.mode == "exists":
                    return self._answer(400, {"detail": "Statement already exists"})
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
