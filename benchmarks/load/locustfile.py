"""Deadline day, 5 March 2022: February's reports are due (`make load`).

The clerks (单位填报员) arrive one after another over the run, each once: sign in, open
/me/, open the task's report page, save a draft, come back with the evidence (a 1–2 MB PDF)
and submit; afterwards they look at /me/ now and then. Every unit head checks /me/ every
minute or so and approves what was submitted; every office (the city's and each county's)
reviews its desk's queue and accepts; the public reads the board at a steady rate. Forms are
posted as the browser posts them: the page's CSRF token, its `version`, every field.

Requests are named by class, so locust's CSV has one row per class: sign in, /me/, report
page, draft save, submission, approve, office desk, review, board. A page that does not
show what the step should have done (the submitted status, say) counts as a failure.

    LOAD_PLAN=var/load/plan.json locust -f benchmarks/load/locustfile.py --headless \\
        -u <everyone in the plan> -r 20 -t 10m --host http://127.0.0.1:8080

Users have fixed counts from the plan (`python -m benchmarks.load.seed`), so -u is the sum
(benchmarks/load/run.py works it out); LOAD_READERS public readers (10) are added.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

from locust import HttpUser, between, constant_throughput, events, task

# locust puts this folder on the path, not the repository's root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.load import pages
from benchmarks.load.evidence import MB, pdf

PLAN_FILE = Path(os.environ.get("LOAD_PLAN", "var/load/plan.json"))
PLAN = (
    json.loads(PLAN_FILE.read_text())
    if PLAN_FILE.exists()
    else {"clerks": [], "heads": [], "offices": [], "boards": [], "password": "", "month": ""}
)
READERS = int(os.environ.get("LOAD_READERS", "10"))
# The last clerk arrives this long before the end, to have time to finish.
LAST_ARRIVAL_BEFORE_END = 150
_started = {"at": time.monotonic()}


@events.test_start.add_listener
def _start(environment, **_kwargs):
    _started["at"] = time.monotonic()


def think(low: float, high: float) -> None:
    time.sleep(random.uniform(low, high))  # gevent's: other users run meanwhile


def _run_seconds(user) -> float:
    options = user.environment.parsed_options
    return float(getattr(options, "run_time", None) or 600)


def _arrivals(user) -> float:
    """How long the clerks keep arriving: until LAST_ARRIVAL_BEFORE_END before the end (at
    least half the run)."""
    return max(_run_seconds(user) - LAST_ARRIVAL_BEFORE_END, _run_seconds(user) / 2)


class Person(HttpUser):
    abstract = True

    def sign_in(self, username: str) -> bool:
        page = self.client.get("/accounts/login/", name="sign in")
        form = pages.login_form(page.text)
        if form is None:
            return False
        data = form.data() | {"username": username, "password": PLAN["password"]}
        with self.client.post(
            "/accounts/login/",
            data=data,
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"{username}: sign-in answered {answer.status_code}")
                return False
        return True

    def report_page(self, path: str):
        return self.client.get(path, name="report page")

    def act(self, path: str, form: pages.Form, action: str, name: str, fields=None, files=None):
        """Post the report form with one of its buttons, as the browser does (`fields`: as
        filled in, else as the page gave them); the answer is a redirect back to the report
        (a refused post re-renders it with 400 or 409)."""
        fields = (fields or form.data()) | {"action": action}
        with self.client.post(
            path, data=fields, files=files, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"{path} {action}: {answer.status_code}")
                return False
        return True

    def expect_status(self, path: str, wanted: str) -> str:
        """Follow the redirect after a post, and check the report moved on."""
        with self.client.get(path, name="report page", catch_response=True) as page:
            if page.ok and pages.status(page.text) != wanted:
                page.failure(f"{path}: {pages.status(page.text)}, not {wanted}")
            return page.text


class Clerk(Person):
    """单位填报员: one task's report for the month, drafted then submitted with evidence."""

    fixed_count = len(PLAN["clerks"])
    wait_time = between(120, 240)  # once submitted: a look at /me/ now and then
    _numbers = itertools.count()

    def on_start(self):
        n = next(Clerk._numbers)
        me = PLAN["clerks"][n]
        self.rng = random.Random(n)
        arrival = _started["at"] + _arrivals(self) * (n + self.rng.random()) / self.fixed_count
        time.sleep(max(0.0, arrival - time.monotonic()))
        if self.sign_in(me["username"]):
            self.report(me["task"], n)

    def report(self, code: str, n: int) -> None:
        path = f"/reports/{code}/{PLAN['month']}/"
        with self.client.get("/me/", name="/me/", catch_response=True) as me:
            if me.ok and code not in me.text:
                me.failure(f"/me/ does not list {code}")
        form = pages.report_form(self.report_page(path).text)
        if form is None or "save" not in pages.actions(form):
            return
        think(10, 30)  # typing
        draft = pages.filled(form, note="正在推进。", narrative="2月份，我单位召开专题推进会。")
        if not self.act(path, form, "save", "draft save", draft):
            return
        form = pages.report_form(self.expect_status(path, "draft"))
        if form is None:
            return
        think(15, 40)  # finding the scanned minutes
        filled = pages.filled(
            form,
            note="已完成阶段性工作，按计划推进。",
            narrative="2月份，我单位召开专题推进会，对照节点逐项推进，已形成阶段性成果。",
            problems="部分配合单位数据共享不够及时。",
            next_steps="3月份将加强调度，确保节点按期完成。",
        )
        size = self.rng.randint(MB, 2 * MB)
        files = {"files": (f"{code}-2月会议纪要.pdf", pdf(size, seed=n), "application/pdf")}
        if self.act(path, form, "submit", "submission", filled, files):
            self.expect_status(path, "submitted")

    @task
    def look(self):
        self.client.get("/me/", name="/me/")


class Head(Person):
    """单位负责人: approves the unit's submissions from /me/ (待您审核)."""

    fixed_count = len(PLAN["heads"])
    wait_time = between(45, 90)
    _numbers = itertools.count()

    def on_start(self):
        username = PLAN["heads"][next(Head._numbers)]
        think(0, _arrivals(self))  # heads come in during the morning, as the clerks do
        self.signed_in = self.sign_in(username)

    @task
    def approve_waiting(self):
        if not self.signed_in:
            return
        for path in pages.to_approve(self.client.get("/me/", name="/me/").text):
            form = pages.report_form(self.report_page(path).text)
            if form is None or "approve" not in pages.actions(form):
                continue
            think(3, 10)  # reading it
            if self.act(path, form, "approve", "approve"):
                self.expect_status(path, "approved")


class Office(Person):
    """改革办 (the city's and each county's): accepts approved reports from the desk."""

    fixed_count = len(PLAN["offices"])
    wait_time = between(30, 60)
    _numbers = itertools.count()

    def on_start(self):
        username = PLAN["offices"][next(Office._numbers)]
        think(0, 30)
        self.signed_in = self.sign_in(username)

    @task
    def review_queue(self):
        if not self.signed_in:
            return
        desk = self.client.get("/office/", name="office desk")
        for path in pages.to_review(desk.text)[:10]:
            form = pages.report_form(self.report_page(path).text)
            if form is None or "accept" not in pages.actions(form):
                continue
            think(2, 6)
            if self.act(path, form, "accept", "review"):
                self.expect_status(path, "accepted")


class Reader(HttpUser):
    """The public: the latest board and the months before, at a steady rate."""

    fixed_count = READERS
    wait_time = constant_throughput(0.5)

    @task
    def board(self):
        months = PLAN["boards"]
        if not months or random.random() < 0.5:
            self.client.get("/", name="board")
        else:
            self.client.get(f"/board/{random.choice(months)}/", name="board")
