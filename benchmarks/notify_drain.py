"""Drain 2,000 notifications to loopback receivers while the site serves pages (figures, not
a test).

    python -m benchmarks.notify_drain                  # SQLite in a throwaway folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ducha_bench \
        python -m benchmarks.notify_drain

The database is the demo's (`ducha demo --no-serve`, 8 February 2022) in a throwaway folder,
or the throwaway PostgreSQL database BENCH_DATABASE_URL names (flushed and filled: never
point it at a database you keep). To it come 250 units of two people each, every unit with a
mailbox and a group robot (WeCom, DingTalk and Feishu in turn, the signed ones with a
secret), and 2,000 messages, 8 to each unit: 4,000 inbox rows and 4,000 external deliveries
(2,000 e-mails, 2,000 robot posts). An SMTP server (aiosmtpd) and an HTTP receiver on
loopback take them, the receiver checking each robot's signature; they run niced in a process
of their own, standing for other machines, and the worker niced as the systemd unit runs it.

It prints the seconds `send` took to queue them, the seconds `ducha worker` took to drain
them (from its start, and from the first delivery to the last), and the latency of GET /
(the public board) and the reporter's /me/ under gunicorn, before and during the drain
(target: the signed-in page's p50 under 30 ms), requested 20 times a second meanwhile
(BENCH_RATE; 0: back to back). Loopback only, bounded in time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from benchmarks.web import SESSION

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", "8766"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
UNITS, PER_UNIT = 250, 8
PAGE_TARGET_MS = 30.0
# Page requests a second while the worker drains, one at a time (a busy office's intranet):
# BENCH_RATE=0 sends them back to back, all the machine can take.
RATE = float(os.environ.get("BENCH_RATE", "20")) or float("inf")

SEED = """
import time
from ducha.notify.api import send
from ducha.notify.models import UnitChannel
from ducha.org.models import Unit, User
robots = "{robots}"
kinds = ["wecom", "dingtalk", "feishu"]
units = []
for i in range({units}):
    unit = Unit.objects.create(name=f"压测单位{{i:03d}}", order=1000 + i)
    kind = kinds[i % 3]
    UnitChannel.objects.create(unit=unit, channel="email", address=f"unit{{i:03d}}@example.cn")
    UnitChannel.objects.create(
        unit=unit, channel=kind, address=f"{{robots}}/{{kind}}/{{i:03d}}?access_token=t{{i}}",
        secret="" if kind == "wecom" else f"SEC{{i}}",
    )
    people = [
        User.objects.create_user(f"bench{{i:03d}}{{j}}", role=User.Role.REPORTER, unit=unit)
        for j in range(2)
    ]
    units.append(people)
started = time.perf_counter()
for m in range({per_unit}):
    for i, people in enumerate(units):
        send(people, kind="bench", subject=f"压测消息{{m}}·单位{{i:03d}}",
             body="请于2月10日前报送1月进展。" * 4, key=f"bench-{{m}}-{{i}}", url="/me/")
print("QUEUED", time.perf_counter() - started)
"""

STATUS = """
from django.db.models import Count
from ducha.notify.models import Delivery
external = Delivery.objects.exclude(channel="inbox").values_list("status")
print("STATUS", dict(external.annotate(n=Count("pk")).order_by()))
"""


class Counts:
    """What the receivers took, shared with the benchmark (they run in a process of their own,
    niced: they stand for other machines)."""

    def __init__(self):
        self.robots = multiprocessing.Value("i", 0)
        self.mails = multiprocessing.Value("i", 0)
        self.bad = multiprocessing.Value("i", 0)
        self.first = multiprocessing.Value("d", 0.0)
        self.last = multiprocessing.Value("d", 0.0)

    def took(self, robot: bool, ok: bool = True) -> None:
        now = time.time()
        with self.first.get_lock():
            self.first.value = self.first.value or now
            self.last.value = now
        counter = self.robots if robot else self.mails
        with counter.get_lock():
            counter.value += 1
        if not ok:
            with self.bad.get_lock():
                self.bad.value += 1


def robot_handler(counts: Counts):
    class Handler(BaseHTTPRequestHandler):
        """Every robot: checks each post's signature, answers as its vendor does."""

        def log_message(self, *args):
            pass

        def do_POST(self):
            parts = urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            kind, number = parts.path.split("/")[1:3]
            query = parse_qs(parts.query)
            secret = f"SEC{int(number)}".encode()
            if kind == "dingtalk":
                stamp = query["timestamp"][0]
                mac = hmac.new(secret, f"{stamp}\n".encode() + secret, hashlib.sha256)
                ok = query["sign"] == [base64.b64encode(mac.digest()).decode()]
            elif kind == "feishu":
                key = f"{body['timestamp']}\n".encode() + secret
                mac = hmac.new(key, b"", hashlib.sha256)
                ok = body["sign"] == base64.b64encode(mac.digest()).decode()
            else:
                ok = body["msgtype"] == "markdown"
            answer = {"code": 0, "msg": "success"} if kind == "feishu" else {"errcode": 0}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            counts.took(robot=True, ok=ok)

    return Handler


class Mailbox:
    def __init__(self, counts: Counts):
        self.counts = counts

    async def handle_DATA(self, server, session, envelope):
        self.counts.took(robot=False)
        return "250 OK"


def receivers(counts: Counts, http_port: int, smtp_port: int) -> None:
    """The child process: the robots' HTTP server and the SMTP server, until terminated."""
    os.nice(10)
    smtp = Controller(Mailbox(counts), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    server = ThreadingHTTPServer(("127.0.0.1", http_port), robot_handler(counts))
    server.daemon_threads = True
    server.serve_forever()


def ducha(env, *args, capture=True) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "-m", "ducha", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def get(url: str, cookie: str | None) -> tuple[float, int]:
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"sessionid={cookie}")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        status = response.status
    return (time.perf_counter() - started) * 1000, status


def summary(samples: list[float]) -> str:
    if not samples:
        return "no requests"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"n {len(samples):>4}  p50 {statistics.median(samples):6.1f} ms  "
        f"p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ducha-notify-bench-"))
    database = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    counts = Counts()
    child = multiprocessing.Process(target=receivers, args=(counts, PORT + 2, PORT + 1))
    child.start()
    robots_url = f"http://127.0.0.1:{PORT + 2}"
    env = {
        **os.environ,
        "DUCHA_VAR_DIR": str(folder),
        "DATABASE_URL": database,
        "DUCHA_TODAY": "2022-02-08",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DUCHA_SMTP_HOST": "127.0.0.1",
        "DUCHA_SMTP_PORT": str(PORT + 1),
        "DUCHA_ROBOT_HOSTS": "127.0.0.1",  # the benchmark's robots listen on loopback
    }
    server = worker = None
    try:
        if database.startswith("postgres"):  # a throwaway database: emptied
            ducha(env, "migrate", "--noinput")
            ducha(env, "flush", "--noinput")
        ducha(env, "demo", "--no-serve")
        queued = float(
            re.search(
                r"QUEUED ([\d.]+)",
                ducha(
                    env,
                    "shell",
                    "-c",
                    SEED.format(robots=robots_url, units=UNITS, per_unit=PER_UNIT),
                ),
            ).group(1)
        )
        expected = UNITS * PER_UNIT * 2
        print(
            f"{database.split('://')[0]}: {UNITS * PER_UNIT} messages to {UNITS} units queued by "
            f"send() in {queued:.1f} s ({UNITS * PER_UNIT / queued:.0f}/s): "
            f"{UNITS * PER_UNIT * 2} inbox rows, {expected} e-mails and robot posts"
        )
        cookie = re.search(
            r"SESSION (\w+)", ducha(env, "shell", "-c", SESSION.format(username="reporter"))
        ).group(1)
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "ducha.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(WORKERS)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        pages = {"/ (public board)": (f"{base}/", None), "/me/ (reporter)": (f"{base}/me/", cookie)}
        before: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(40):
            for name, (url, c) in pages.items():
                ms, status = get(url, c)
                assert status == 200, (url, status)
                before[name].append(ms)

        during: dict[str, list[float]] = {name: [] for name in pages}
        started = time.perf_counter()
        # Niced, as deploy/systemd/ducha-worker.service runs it: pages come first.
        worker = subprocess.Popen(
            ["nice", "-n", "10", str(BIN / "python"), "-m", "ducha", "worker", "--verbosity", "0"],
            env=env,
            cwd=ROOT,
        )
        deadline = started + 600
        took = lambda: counts.robots.value + counts.mails.value  # noqa: E731
        pause = 1 / RATE
        while took() < expected and time.perf_counter() < deadline:
            for name, (url, c) in pages.items():
                ms, _ = get(url, c)
                if counts.first.value:  # measured while deliveries go out
                    during[name].append(ms)
                time.sleep(max(0.0, pause - ms / 1000))
        drained = time.perf_counter() - started
        first, last = counts.first.value, counts.last.value
        worker.terminate()
        worker.wait(30)
        status = re.search(r"STATUS (.*)", ducha(env, "shell", "-c", STATUS)).group(1)
        print(
            f"drained {counts.robots.value} robot posts and {counts.mails.value} e-mails in "
            f"{drained:.1f} s from the worker's start; first to last delivery {last - first:.1f} s "
            f"({took() / (last - first):.0f}/s); bad signatures: {counts.bad.value}; "
            f"rows: {status}"
        )
        rate = f"{RATE:g} a second" if math.isfinite(RATE) else "back to back"
        print(f"pages under gunicorn ({WORKERS} workers), one request at a time, {rate}:")
        for name in pages:
            print(f"  {name:<18} idle:   {summary(before[name])}")
            print(f"  {name:<18} during: {summary(during[name])}")
        p50 = statistics.median(during["/me/ (reporter)"]) if during["/me/ (reporter)"] else 0
        print(
            f"signed-in page p50 during the drain {p50:.1f} ms "
            f"(target {PAGE_TARGET_MS:.0f} ms: {'met' if p50 <= PAGE_TARGET_MS else 'MISSED'})"
        )
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(30)
        child.terminate()
        child.join(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
