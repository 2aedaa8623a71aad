"""Example router client for the Académie routing bridge (contract version 1).

It keeps a local copy of the skills matrix (snapshot + change feed), asks who is qualified for a
ticket, reports the outcome, and verifies webhooks. Only needs `requests`.

    export ACADEMIE_URL=https://academie.example.com ACADEMIE_TOKEN=acd_… ACADEMIE_WEBHOOK_SECRET=…
    python bridge_client_example.py sync            # build or refresh ./matrix.json
    python bridge_client_example.py route GLPI-1 "Réseau > VPN"
    python bridge_client_example.py feedback GLPI-1 "Réseau > VPN" E10001 resolved
    python bridge_client_example.py webhook 8080    # receive and verify webhooks on :8080
"""
import hashlib
import hmac
import json
import os
import sys
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import requests


class BridgeError(Exception):
    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body
        super().__init__(f"{status}: {body.get('detail')}")


class Bridge:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0):
        self.base = base_url.rstrip("/") + "/api/bridge/v1/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def _request(self, method: str, path: str, **kwargs) -> dict:
        for _attempt in range(5):
            response = self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
            if response.status_code == 429:  # rate limited: wait as told, then retry
                time.sleep(int(response.headers.get("Retry-After", "5")))
                continue
            body = response.json() if response.content else {}
            if response.status_code >= 400:
                raise BridgeError(response.status_code, body)
            return body
        raise BridgeError(429, {"detail": "still rate limited"})

    # --- reads --------------------------------------------------------------------------------
    def taxonomy(self) -> dict:
        return self._request("GET", "taxonomy")

    def snapshot(self, **filters) -> tuple[dict, int]:
        """Every staff record, and the version to continue from with `changes`."""
        staff, cursor, versions = {}, None, []
        while True:
            params = {"limit": 200, **filters, **({"cursor": cursor} if cursor else {})}
            page = self._request("GET", "staff", params=params)
            versions.append(page["version"])
            for record in page["items"]:
                staff[record["employee_id"]] = record
            cursor = page["next"]
            if cursor is None:
                # Pages may be consistent with different versions: continue from the oldest.
                return staff, min(versions)

    def changes(self, since: int):
        """Yield every change after `since`, in order."""
        while True:
            page = self._request("GET", "changes", params={"since": since, "limit": 200})
            if not page["items"]:
                return
            yield from page["items"]
            since = page["next_since"]

    def qualified(self, required: dict, *, optional: dict | None = None, tiers=None, at: str | None = None,
                  limit: int = 10) -> dict:
        body = {"required": [{"skill": k, "min_level": v} for k, v in required.items()],
                "optional": [{"skill": k, "min_level": v} for k, v in (optional or {}).items()],
                "limit": limit}
        if tiers:
            body["tiers"] = tiers
        if at:
            body["at"] = at
        return self._request("POST", "qualified", json=body)

    def route(self, ticket_id: str, category: str, **extra) -> dict:
        return self._request("POST", "route", json={"ticket": {"id": ticket_id, "category": category}, **extra})

    # --- writes -------------------------------------------------------------------------------
    def feedback(self, ticket_id: str, category: str, employee_id: str, outcome: str,
                 occurred_at: datetime | None = None) -> dict:
        occurred_at = occurred_at or datetime.now(timezone.utc)
        return self._request("POST", "feedback", json={
            "ticket_id": ticket_id, "category": category, "employee_id": employee_id, "outcome": outcome,
            "occurred_at": occurred_at.isoformat(),
        })


class LocalMatrix:
    """The router's own copy: {employee_id: {skill: level}} plus the last applied sequence."""

    def __init__(self, path: Path):
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {"since": None, "levels": {}}
        self.since = data["since"]
        self.levels = data["levels"]

    def sync(self, bridge: Bridge) -> int:
        if self.since is None:
            staff, version = bridge.snapshot()
            self.levels = {emp: {s["code"]: s["level"] for s in r["skills"]} for emp, r in staff.items()}
            self.since = version
        applied = 0
        for change in bridge.changes(self.since):
            person = self.levels.setdefault(change["employee_id"], {})
            if change["new_level"] > 0:
                person[change["skill"]] = change["new_level"]
            else:
                person.pop(change["skill"], None)
            self.since = change["seq"]
            applied += 1
        self.path.write_text(json.dumps({"since": self.since, "levels": self.levels}))
        return applied


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


def serve_webhooks(port: int, secret: str) -> None:
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not verify_signature(secret, body, self.headers.get("X-Academie-Signature")):
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            if event["id"] not in seen:  # at-least-once delivery: deduplicate on the id
                seen.add(event["id"])
                print(event["seq"], event["type"], json.dumps(event["data"], ensure_ascii=False))
            self.send_response(204)
            self.end_headers()

    HTTPServer(("0.0.0.0", port), Handler).serve_forever()


def main(argv: list[str]) -> None:
    bridge = Bridge(os.environ["ACADEMIE_URL"], os.environ["ACADEMIE_TOKEN"])
    command = argv[1] if len(argv) > 1 else "sync"
    try:
        if command == "sync":
            matrix = LocalMatrix(Path("matrix.json"))
            applied = matrix.sync(bridge)
            print(f"{len(matrix.levels)} staff, {applied} changes applied, up to seq {matrix.since}")
        elif command == "route":
            answer = bridge.route(argv[2], argv[3])
            print(f"rule {answer['rule']['category']}: {answer['total_qualified']} qualified")
            for c in answer["candidates"]:
                reasons = ", ".join(f"{s['skill']}={s['level']}" for s in c["skills"])
                print(f"  {c['rank']}. {c['display_name']} ({c['employee_id']}, {c['tier']}) {reasons}")
        elif command == "feedback":
            print(bridge.feedback(argv[2], argv[3], argv[4], argv[5]))
        elif command == "webhook":
            serve_webhooks(int(argv[2]), os.environ["ACADEMIE_WEBHOOK_SECRET"])
        else:
            print(__doc__)
    except BridgeError as exc:
        print(f"error {exc.status}: {exc.body.get('detail')}", file=sys.stderr)
        for suggestion in exc.body.get("suggestions", []):
            print(f"  did you mean: {suggestion}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv)
