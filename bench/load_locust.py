"""Load: learners browsing and taking an exam, and a router querying the bridge, at the same time.

Run by bench/run_load.sh (which seeds the database, starts gunicorn and prints the figures):

    locust -f bench/load_locust.py --headless -u 210 -r 20 -t 60s --host http://127.0.0.1:8765 \
        LearnerUser BridgeUser

Environment: LOAD_USERS_FILE (one "username session_key" per line: signed-in sessions made by
run_load.sh, so that 200 simultaneous logins do not turn the run into a password-hashing benchmark), LOAD_EXAM_SLUG (the exam the learners take), LOAD_COURSE_URL (a course page),
LOAD_BRIDGE_TOKEN (a router client token with qualified:query and matrix:read),
LOAD_BRIDGE_SKILL (a skill code for the qualification queries), LOAD_BRIDGE_CATEGORY (a category).
LOAD_BRIDGE_USERS router clients (default 20, a fixed count: the other users are learners), each
pacing itself to LOAD_BRIDGE_RATE requests per second (default 5: 100 req/s in all). A router
sends from several connections at once, so one slow answer does not hold back the rest.
A learner reads each page for 5 to 15 seconds before the next click (reading a lesson takes
minutes; this is the pace of a busy hour, not of a crawler).
"""
import itertools
import os
import random
import re
import threading
from http.cookiejar import Cookie
from urllib.parse import urlsplit

from locust import FastHttpUser, between, constant_throughput, task

USERS = [line.strip() for line in open(os.environ["LOAD_USERS_FILE"], encoding="utf-8") if line.strip()]
EXAM = os.environ["LOAD_EXAM_SLUG"]
COURSE_URL = os.environ.get("LOAD_COURSE_URL", "/formations/")
TOKEN = os.environ["LOAD_BRIDGE_TOKEN"]
SKILL = os.environ["LOAD_BRIDGE_SKILL"]
CATEGORY = os.environ["LOAD_BRIDGE_CATEGORY"]
BRIDGE_USERS = int(os.environ.get("LOAD_BRIDGE_USERS", "20"))
BRIDGE_RATE = float(os.environ.get("LOAD_BRIDGE_RATE", "5"))

_next_user = itertools.cycle(USERS)
_lock = threading.Lock()
RADIO = re.compile(r'name="q(\d+)" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


def _session_cookie(host: str, session_key: str) -> Cookie:
    """The session cookie as the server would have set it for `host` (no Domain attribute)."""
    return Cookie(version=0, name="sessionid", value=session_key, port=None, port_specified=False,
                  domain=urlsplit(host).hostname, domain_specified=False, domain_initial_dot=False, path="/",
                  path_specified=True, secure=False, expires=None, discard=True, comment=None, comment_url=None,
                  rest={"HttpOnly": None})


class LearnerUser(FastHttpUser):
    """A learner: signs in, looks around, and now and then takes the exam and submits it.
    On locust's lighter HTTP client, like the routers: the load generator shares the server's
    two cores. It keeps cookies (session, CSRF) in its jar and follows redirects; a redirected
    response's `url` is where the redirects led (geventhttpclient moves the request in place)."""

    wait_time = between(5, 15)

    def on_start(self):
        """Take one of the signed-in sessions run_load.sh made (username and session key)."""
        with _lock:
            username, session_key = next(_next_user).split()
        self.username = username
        self.client.cookiejar.set_cookie(_session_cookie(self.host, session_key))

    @task(4)
    def home(self):
        self.client.get("/", name="/")

    @task(3)
    def catalogue(self):
        self.client.get("/formations/", name="/formations/")

    @task(3)
    def course(self):
        self.client.get(COURSE_URL, name="course page")

    @task(2)
    def my_learning(self):
        self.client.get("/mes-formations/", name="/mes-formations/")

    @task(3)
    def my_skills(self):
        self.client.get("/mes-competences/", name="/mes-competences/")

    @task(1)
    def certificates(self):
        self.client.get("/certificats/", name="/certificats/")

    @task(2)
    def take_the_exam(self):
        detail = self.client.get(f"/examens/{EXAM}/", name="exam page")
        if detail.status_code != 200:
            return  # already counted as a failure; there is no form to post
        start = self.client.post(f"/examens/{EXAM}/commencer/", {"csrfmiddlewaretoken": _csrf(detail.text)},
                                 name="exam start", allow_redirects=True)
        if "/examens/tentatives/" not in start.url:
            return
        options: dict[str, list[str]] = {}
        for question, value in RADIO.findall(start.text):
            options.setdefault(f"q{question}", []).append(value)
        answers = {name: random.choice(values) for name, values in options.items()}  # some pass, some fail
        answers.update({"csrfmiddlewaretoken": _csrf(start.text), "action": "submit"})
        with self.client.post(start.url, answers, name="exam submit", catch_response=True) as response:
            if "/resultat/" not in response.url:
                response.failure(f"submitting did not lead to the result page ({response.status_code})")


class BridgeUser(FastHttpUser):
    """A router: who is qualified, routing a ticket, and keeping its copy of the matrix in sync.
    Locust's lighter HTTP client: the load generator shares the server's two cores, and the
    bridge's 100 requests per second should be spent serving, not sending."""

    fixed_count = BRIDGE_USERS
    wait_time = constant_throughput(BRIDGE_RATE)

    def on_start(self):
        self.auth = {"Authorization": f"Bearer {TOKEN}"}
        self.since = 0  # the router's cursor in the change feed, as a real client keeps it

    @task(4)
    def qualified(self):
        self.client.post("/api/bridge/v1/qualified", json={"required": [{"skill": SKILL, "min_level": 2}],
                                                           "limit": 10}, name="bridge qualified", headers=self.auth)

    @task(3)
    def route(self):
        self.client.post("/api/bridge/v1/route", json={"ticket": {"id": "LOAD-1", "category": CATEGORY}},
                         name="bridge route", headers=self.auth)

    @task(2)
    def changes(self):
        with self.client.get(f"/api/bridge/v1/changes?since={self.since}&limit=100", name="bridge changes",
                             headers=self.auth, catch_response=True) as response:
            if response.status_code == 200:
                self.since = response.json()["next_since"]

    @task(1)
    def staff(self):
        self.client.get("/api/bridge/v1/staff?limit=50", name="bridge staff", headers=self.auth)
