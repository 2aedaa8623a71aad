"""A real Ralph LRS (`ralph runserver -b fs`, from ralph-malph[cli,lrs]) on loopback, for the
integration tests, the benchmark and local trials of forwarding.

Ralph 5.1's filesystem LRS backend writes every POST to the same file with the "create"
operation type: the first POST creates `fs_lrs.jsonl` and every later one fails with
HTTP 500 "Statements bulk indexation failed" (the file exists). Ralph has no setting for the
operation type of that backend (its `RALPH_BACKENDS__LRS__FS__*` settings are the directory,
file name, query string, encoding and chunk sizes), so the server is started with a
`sitecustomize` module on its PYTHONPATH that sets the backend's default operation type to
"append" before the app loads. Everything else is Ralph's own server: HTTP Basic users from
its auth file, xAPI validation, duplicate detection by statement id (an identical statement
sent again is not stored twice; a different one with the same id is a 409).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

APPEND_PATCH = '''\
# Written by learning_records.ralph_lrs: make Ralph's filesystem LRS backend append to its file.
try:
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
except Exception:  # never stop an interpreter from starting
    pass
'''


def ralph_executable() -> str | None:
    """The `ralph` CLI next to this interpreter, or on PATH."""
    candidate = Path(sys.executable).with_name("ralph")
    if candidate.exists():
        return str(candidate)
    return shutil.which("ralph")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphLrs:
    """One Ralph LRS process with its own directory, port and Basic-auth user."""

    def __init__(self, directory: Path, *, port: int | None = None, username: str = "academie",
                 password: str = "academie-lrs-secret"):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.username, self.password = username, password
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The xAPI endpoint (statements are POSTed to …/statements)."""
        return f"http://127.0.0.1:{self.port}/xAPI"

    @property
    def data_file(self) -> Path:
        return self.directory / "data" / "fs_lrs.jsonl"

    def _prepare(self) -> dict:
        import bcrypt  # comes with ralph-malph[lrs] (the test extra), not a production dependency

        (self.directory / "patch").mkdir(parents=True, exist_ok=True)
        (self.directory / "patch" / "sitecustomize.py").write_text(APPEND_PATCH)
        (self.directory / "app").mkdir(exist_ok=True)
        password_hash = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=4)).decode()
        (self.directory / "auth.json").write_text(json.dumps([{
            "username": self.username, "hash": password_hash, "scopes": ["all"],
            "agent": {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1", "name": self.username}},
        }]))
        env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
        env.update({
            "PYTHONPATH": str(self.directory / "patch"),
            "RALPH_APP_DIR": str(self.directory / "app"),
            "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
            "RALPH_HISTORY_FILE": str(self.directory / "app" / "history.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory / "data"),
        })
        return env

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until it answers. Raises RuntimeError with its log when it
        does not come up."""
        executable = ralph_executable()
        if executable is None:
            raise RuntimeError("the `ralph` CLI is not installed (pip install 'ralph-malph[cli,lrs]')")
        env = self._prepare()
        self.log_path = self.directory / "ralph.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [executable, "runserver", "-b", "fs", "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=self.directory, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        output = self.log_path.read_text(errors="replace")[-3000:]
        self.stop()
        raise RuntimeError(f"Ralph LRS did not start on port {self.port}:\n{output}")

    def stop(self) -> None:
        """Stop the server and the reloader it runs under (its whole process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def statements(self, *, page_size: int = 100) -> list[dict]:
        """Every statement the LRS holds, read through GET /xAPI/statements, following `more`."""
        out, url = [], f"{self.url}/statements?limit={page_size}"
        while url:
            response = requests.get(url, auth=(self.username, self.password), timeout=30,
                                    headers={"X-Experience-API-Version": "1.0.3"})
            response.raise_for_status()
            body = response.json()
            out.extend(body["statements"])
            more = body.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return out
