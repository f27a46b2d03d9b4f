"""Serve the demo with gunicorn and measure pages with wrk (figures, not a test).

    python -m benchmarks.web            # or: make bench

Compares the public board with a trivial view on the same server, and times the
logged-in pages. Needs wrk (apt-get install wrk). Loopback only, bounded in time.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))

SESSION = """
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from ducha.org.models import User
user = User.objects.get(username="{username}")
s = SessionStore()
s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
if user.owes_second_factor:  # measured as in production: signed in with both factors
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    s[DEVICE_ID_SESSION_KEY] = device.persistent_id
s.create()
print("SESSION", s.session_key)
"""


def wrk(url: str, cookie: str | None = None, connections: int = CONNECTIONS) -> dict:
    threads = min(2, connections)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the sign-in or the second step) is an answer to report


def _status(url: str, cookie: str | None) -> int:
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"sessionid={cookie}")
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="ducha-bench-"))
    env = {
        **os.environ,
        "DUCHA_VAR_DIR": str(folder),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3"),
        "DUCHA_TODAY": "2022-02-08",  # the demo's date: January being closed
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    ducha = [str(BIN / "python"), "-m", "ducha"]
    subprocess.run(
        [*ducha, "demo", "--no-serve"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    cookies = {}
    for username in ("office", "reporter", "head", "leader"):
        out = subprocess.run(
            [*ducha, "shell", "-c", SESSION.format(username=username)],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        cookies[username] = re.search(r"SESSION (\w+)", out).group(1)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "ducha.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(WORKERS),
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        pages = [
            ("trivial view /ping", f"{base}/ping", None),
            ("public board / (186 tasks)", f"{base}/", None),
            ("public board /board/2021-06/", f"{base}/board/2021-06/", None),
            ("task page /tasks/<code>/", None, None),
            ("reporter /me/", f"{base}/me/", cookies["reporter"]),
            ("head /me/", f"{base}/me/", cookies["head"]),
            ("leader /me/ (trend of 12 months)", f"{base}/me/", cookies["leader"]),
            ("reporter's report form", None, cookies["reporter"]),
            ("office /office/ (Jan 2022 preview)", f"{base}/office/", cookies["office"]),
            (
                "office publication check (Jan 2022)",
                f"{base}/office/publication/?month=2022-01",
                cookies["office"],
            ),
            (
                "office /office/?month=2021-12 (posted)",
                f"{base}/office/?month=2021-12",
                cookies["office"],
            ),
            ("leader /dashboard/ (2021-12, 8 charts)", f"{base}/dashboard/", cookies["leader"]),
            (
                "office /dashboard/year/?year=2021",
                f"{base}/dashboard/year/?year=2021",
                cookies["office"],
            ),
            # Issue 13's public pages.
            ("public /war-map/ (13 posts, ranking)", f"{base}/war-map/", None),
            ("public command post chart", None, None),
            ("public /pilots/ (register)", f"{base}/pilots/", None),
            ("public /pilots/?level=national", f"{base}/pilots/?level=national", None),
            ("public /open-door/ (the form)", f"{base}/open-door/", None),
            ("public /open-door/status/?code=", None, None),
            ("public /open-door/stats/", f"{base}/open-door/stats/", None),
        ]
        # A published month's charts are drawn once per worker (each has its own cache):
        # ask often enough that every worker has drawn them before the measuring starts.
        warm = [p for p in pages if p[1] and "/dashboard/" in p[1]]
        code = subprocess.run(
            [
                *ducha,
                "shell",
                "-c",
                "from ducha.ledger.models import Task; "
                "print('CODE', Task.objects.filter(jurisdiction__home=True).first().code); "
                "from ducha.reports.models import Report; "
                "r = Report.objects.filter(unit__users__username='reporter', status='draft')"
                ".first(); print('DRAFT', r.task.code); "
                "from ducha.warmap.models import CommandPost; "
                "print('POST', CommandPost.objects.order_by('order', 'pk').first().pk); "
                "from ducha.opendoor.models import Suggestion; "
                "print('RECEIPT', Suggestion.objects.exclude(reply='').first().code)",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        draft = re.search(r"DRAFT (\S+)", code).group(1)
        post = re.search(r"POST (\S+)", code).group(1)
        receipt = re.search(r"RECEIPT (\S+)", code).group(1)
        code = re.search(r"CODE (\S+)", code).group(1)
        pages[3] = ("task page /tasks/<code>/", f"{base}/tasks/{code}/", None)
        pages[7] = (pages[7][0], f"{base}/reports/{draft}/2022-01/", pages[7][2])
        for i, (name, _url, cookie) in enumerate(pages):
            if name == "public command post chart":
                pages[i] = (name, f"{base}/war-map/posts/{post}/", cookie)
            elif name == "public /open-door/status/?code=":
                pages[i] = (name, f"{base}/open-door/status/?code={receipt}", cookie)
        for name, url, cookie in pages:  # warm the caches, and measure only real pages
            status = _status(url, cookie)
            if status != 200:
                sys.exit(f"{name}: {url} answers {status}, not 200: nothing to measure")
        with ThreadPoolExecutor(2 * WORKERS) as pool:  # at once: busy workers pass them on
            for _name, url, cookie in warm:
                list(pool.map(_status, [url] * 4 * WORKERS, [cookie] * 4 * WORKERS))
        print(
            f"gunicorn {WORKERS} sync workers, wrk 2 threads {CONNECTIONS} connections "
            f"{SECONDS}s each, {os.environ.get('DATABASE_URL', 'SQLite')}"
        )
        print(f"{'page':<42} {'req/s':>9} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
        trivial = None
        for name, url, cookie in pages:
            r = wrk(url, cookie)
            trivial = trivial or r["rps"]
            print(
                f"{name:<42} {r['rps']:>9.0f} {r['p50']:>9} {r['p99']:>9} {r['non2xx']:>8}"
                f"   ({r['rps'] / trivial:.2f}× trivial)"
            )
        # Latency without queueing: as many connections as workers.
        print(f"\nthe same pages with {WORKERS} connections (one per worker): service latency")
        for name, url, cookie in pages:
            r = wrk(url, cookie, connections=WORKERS)
            print(f"{name:<42} {r['rps']:>9.0f} {r['p50']:>9} {r['p99']:>9} {r['non2xx']:>8}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
