"""`make load`: deadline day against the production layout on loopback (figures, not a test).

    make load                      # 300 clerks over 10 minutes
    LOAD_MINUTES=2 make load       # a short run while changing things

1. makes the database LOAD_DATABASE_URL anew (dropped if there: it holds nothing else),
2. seeds it (benchmarks/load/seed.py: the demo, January posted, the load day's people),
3. starts the layout, `scripts/layout start var/load`: nginx on 127.0.0.1:8080 in front of
   two gunicorn app servers and the worker, one shared directory, the date pinned to
   5 March 2022 and the second factor off (the office signs in with its password),
4. runs locust headless for LOAD_MINUTES, writing var/load/locust_*.csv,
5. stops the layout and prints the summary (benchmarks/load/summary.py): exit status 1 on
   any error or a p95 over its target.

Bounded in time, and only loopback addresses are ever asked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.load import summary
from benchmarks.load.seed import LOAD_DAY

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DIR = ROOT / "var" / "load"
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ducha_load")
MINUTES = float(os.environ.get("LOAD_MINUTES", "10"))
CLERKS = int(os.environ.get("LOAD_CLERKS", "300"))
READERS = int(os.environ.get("LOAD_READERS", "10"))
PORT = os.environ.get("DUCHA_LAYOUT_PORT", "8080")
APP_PORTS = os.environ.get("DUCHA_LAYOUT_APP_PORTS", "8001 8002").replace(",", " ").split()
WORKERS = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
SPAWN_RATE = 20  # users a second; the clerks then wait for their own arrival time


def recreate(url: str) -> None:
    """Drop and create the load test's database (PostgreSQL only: the layout's)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name:
        sys.exit(f"LOAD_DATABASE_URL must name a PostgreSQL database, not {url!r}")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def environment() -> tuple[dict, dict]:
    """The seeding's environment, and the app servers' (the load day, no second factor)."""
    base = {k: v for k, v in os.environ.items() if k != "DUCHA_TODAY"}  # the demo sets its own
    base |= {
        "DATABASE_URL": DATABASE_URL,
        "DUCHA_VAR_DIR": str(DIR / "var"),
        "DUCHA_SHARED_DIR": str(DIR / "shared"),
        "DUCHA_MAIL_DIR": str(DIR / "mail"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    servers = base | {
        "DUCHA_TODAY": LOAD_DAY.isoformat(),
        "DUCHA_MFA_REQUIRED": "0",
        "DUCHA_TRUSTED_PROXIES": "1",  # nginx; every client is 127.0.0.1 all the same
        "DUCHA_LAYOUT_PORT": PORT,
    }
    return base, servers


def layout(action: str, env: dict, check: bool = True) -> None:
    subprocess.run([str(ROOT / "scripts" / "layout"), action, str(DIR)], env=env, check=check)


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
        return answer.status


def warm_up(plan: dict) -> None:
    """Measure a running site, not a cold start: every gunicorn worker has served a first
    request (its lazy imports) and drawn the public boards into its own page cache, as on
    any day after the 10th. Each page is asked of each app server directly, several at
    once per worker, so that busy workers pass them on (benchmarks/web.py does the same)."""
    paths = ["/accounts/login/", "/", *(f"/board/{m}/" for m in plan["boards"])]
    urls = [f"http://127.0.0.1:{port}{path}" for port in APP_PORTS for path in paths]
    with ThreadPoolExecutor(2 * WORKERS) as pool:
        for url in urls:
            list(pool.map(_get, [url] * 3 * WORKERS))


def board_cache() -> str:
    """How nginx answered the public boards (HIT, EXPIRED, ...), from its access log."""
    board = re.compile(r'"GET /(board/[0-9-]+/)? HTTP.* cache=([A-Z-]+)')
    with (DIR / "nginx-access.log").open() as log:
        seen = Counter(m.group(2) for line in log if (m := board.search(line)))
    return ", ".join(f"{k} {v}" for k, v in seen.most_common()) or "none"


def main() -> int:
    if not (ROOT / "scripts" / "layout").exists():
        sys.exit("scripts/layout is missing: the load test runs against the production layout")
    seeding, servers = environment()
    if (DIR / "plan.json").exists():  # a run that was interrupted may have left it running
        layout("stop", servers, check=False)
    shutil.rmtree(DIR, ignore_errors=True)
    DIR.mkdir(parents=True)
    python = [str(BIN / "python"), "-m"]
    recreate(DATABASE_URL)
    started = time.monotonic()
    plan_file = DIR / "plan.json"
    subprocess.run(
        [*python, "benchmarks.load.seed", "--clerks", str(CLERKS), "--plan", str(plan_file)],
        env=seeding,
        cwd=ROOT,
        check=True,
    )
    print(f"seeded in {time.monotonic() - started:.0f} s")
    plan = json.loads(plan_file.read_text())
    users = len(plan["clerks"]) + len(plan["heads"]) + len(plan["offices"]) + READERS
    seconds = round(MINUTES * 60)
    layout("start", servers)
    try:
        warm_up(plan)
        load_before = os.getloadavg()
        print(
            f"locust: {users} users ({len(plan['clerks'])} clerks, {len(plan['heads'])} heads, "
            f"{len(plan['offices'])} offices, {READERS} public readers) for {seconds} s "
            f"against http://127.0.0.1:{PORT} (log: var/load/locust.log)",
            flush=True,
        )
        with (DIR / "locust.log").open("w") as log:
            done = subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    "benchmarks/load/locustfile.py",
                    "--headless",
                    "--only-summary",
                    "-u",
                    str(users),
                    "-r",
                    str(SPAWN_RATE),
                    "-t",
                    f"{seconds}s",
                    "--csv",
                    str(DIR / "locust"),
                    "--host",
                    f"http://127.0.0.1:{PORT}",
                ],
                env=os.environ | {"LOAD_PLAN": str(plan_file), "LOAD_READERS": str(READERS)},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=seconds + 120,
            )
    finally:
        load_after = os.getloadavg()
        layout("stop", servers, check=False)
    if done.returncode not in (0, 1):  # 1: some request failed, which the summary says
        sys.exit(f"locust stopped with status {done.returncode}: see var/load/locust.log")
    subprocess.run([*python, "benchmarks.load.seed", "--outcome"], env=servers, cwd=ROOT)
    print(f"the public boards, as nginx answered them: {board_cache()}")
    print(
        f"load average (1 min) {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the "
        f"end, on {os.cpu_count()} cores"
    )
    return summary.main([str(DIR / "locust")])


if __name__ == "__main__":
    sys.exit(main())
