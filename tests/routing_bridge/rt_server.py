"""A real Request Tracker 5 for the connector tests (scripts/rt_test_server.sh): the one CI started
(RT_TEST_URL, RT_TEST_DIR) or one this run starts in a temporary directory; and `RTDriver`, which
plays the people working in RT (root) through REST 2.0."""
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "rt_test_server.sh"
CONNECTOR_LOGIN, CONNECTOR_PASSWORD = "academie", "academie-rt"  # created by the script


class RTServer:
    def __init__(self, url: str, directory: str, port: str):
        self.url, self.directory, self.port = url, directory, port

    def _script(self, action: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "RT_TEST_DIR": self.directory, "RT_TEST_PORT": self.port}
        return subprocess.run(["bash", str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=600)

    def stop(self) -> None:
        assert self._script("stop").returncode == 0

    def start(self) -> None:
        done = self._script("start")
        assert done.returncode == 0, done.stderr


def rt_server_start(tmp_dir: str, worker: str) -> RTServer:
    """The RT this session uses; skips the tests, saying why, when RT cannot be installed or started."""
    url = os.environ.get("RT_TEST_URL")
    if url:
        port = url.rsplit(":", 1)[-1].strip("/")
        return RTServer(url, os.environ.get("RT_TEST_DIR", "/tmp/academie-rt"), port)
    port = str(9600 + (int(worker[2:]) if worker.startswith("gw") else 0))
    server = RTServer(f"http://127.0.0.1:{port}", tmp_dir, port)
    done = server._script("start")
    if done.returncode != 0:
        pytest.skip("Request Tracker 5 could not be installed or started (scripts/rt_test_server.sh start): "
                    + (done.stderr.strip().splitlines() or ["no output"])[-1])
    server.started_here = True
    return server


class RTDriver:
    """Queues, users and tickets made as RT's root, with names unique to one test."""

    def __init__(self, url: str):
        self.api = url.rstrip("/") + "/REST/2.0"
        self.http = requests.Session()
        self.http.auth = ("root", "password")
        self.tag = uuid.uuid4().hex[:8]

    def call(self, method, path, body=None, **params):
        response = self.http.request(method, f"{self.api}/{path}", json=body, params=params, timeout=30)
        assert response.status_code < 400, (method, path, response.status_code, response.text)
        return response.json()

    def queue(self, name: str) -> str:
        unique = f"{name}-{self.tag}"
        self.call("POST", "queue", {"Name": unique})
        return unique

    def user(self, login: str, email: str = "") -> str:
        """A privileged RT user (kept across tests: the same login is made once)."""
        response = self.http.post(f"{self.api}/user", json={"Name": login, "EmailAddress": email or f"{login}@example.com",
                                                             "Privileged": 1}, timeout=30)
        assert response.status_code < 400 or "Name in use" in response.text, \
            response.text
        return login

    def ticket(self, queue: str, subject: str = "Ticket", owner: str | None = None, **fields) -> str:
        body = {"Queue": queue, "Subject": subject, "Requestor": "client@example.com", "CustomFields": fields}
        if owner:
            body["Owner"] = owner
        return str(self.call("POST", "ticket", body)["id"])

    def get(self, ticket_id: str) -> dict:
        return self.call("GET", f"ticket/{ticket_id}")

    def owner(self, ticket_id: str) -> str | None:
        owner = self.get(ticket_id)["Owner"]["id"]
        return None if owner == "Nobody" else owner

    def update(self, ticket_id: str, **fields) -> None:
        self.call("PUT", f"ticket/{ticket_id}", fields)

    def comments(self, ticket_id: str) -> list[str]:
        """The text of the ticket's internal comments, oldest first."""
        texts = []
        history = self.call("GET", f"ticket/{ticket_id}/history", per_page=100, fields="Type")
        for item in history["items"]:
            if item["Type"] != "Comment":
                continue
            for attachment in self.call("GET", f"transaction/{item['id']}/attachments", fields="Content")["items"]:
                if attachment.get("Content"):
                    texts.append(attachment["Content"])  # the text itself in a collection
        return texts

    def correspondence(self, ticket_id: str) -> int:
        history = self.call("GET", f"ticket/{ticket_id}/history", per_page=100, fields="Type")
        return sum(1 for item in history["items"] if item["Type"] == "Correspond")
