"""Two app servers, one database, one shared folder: what one server stores, the other serves.

Two gunicorn processes (deploy/gunicorn.conf.py) on loopback, each with its own
DUCHA_VAR_DIR as two machines would have, share DATABASE_URL and DUCHA_SHARED_DIR. A
reporter saves a report with a PDF through the first and downloads it through the second;
the office checks a ledger import on the first and confirms it on the second; two ticks on
the publication day at the same moment (two machines' timers) post the month once and send
each message once. On PostgreSQL the test makes a database of its own and drops it; on
SQLite it uses a file in a temporary folder.

`make test` on SQLite runs it too; CI runs it on PostgreSQL only, the production layout's
database (DUCHA_CI_SPLIT: the SQLite run is CI's longer one).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

pytestmark = [
    pytest.mark.slow,
    pytest.mark.own_database,
    pytest.mark.skipif(
        bool(os.environ.get("DUCHA_CI_SPLIT"))
        and "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="CI runs the layout on PostgreSQL",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Two-servers-2021"
TODAY = "2021-07-03"  # June is being reported
PUBLICATION = "2021-07-10T09:00"  # June's publication day
# A PDF of 1.5 MB: larger than what Django keeps in memory, so the upload is spooled.
PDF = b"%PDF-1.4\n" + os.urandom(3 * 512 * 1024) + b"\n%%EOF\n"

SETUP = """
import json, django
django.setup()
from django.core.management import call_command
from ducha.ledger.models import Node
from ducha.org.models import Unit, User

call_command("migrate", "--noinput", verbosity=0)
call_command("import_ledger", "tests/data/ledger.xlsx", verbosity=0)
unit = Unit.objects.get(name="市工业和信息化局")
User.objects.create_user("reporter", password=PASSWORD, role=User.Role.REPORTER, unit=unit)
User.objects.create_user("office", password=PASSWORD, role=User.Role.OFFICE)
task = Node.objects.filter(task__lead_unit=unit).order_by("task__code").first().task
nodes = list(task.nodes.values_list("pk", flat=True))
print(json.dumps({"task": task.code, "nodes": nodes}))
"""

# Started, each says it is ready and waits for the signal to tick: as near the same moment
# as two machines' timers can be.
TICK = """
import os, sys, time, django
django.setup()
from django.core.management import call_command
ready, go, now = sys.argv[1:]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
call_command("tick", "--now", now)
"""

AFTER = """
import json, django
django.setup()
from io import StringIO
from django.core.management import call_command
from django.db.models import Count
from ducha.boards.models import Publication
from ducha.ledger.models import Task
from ducha.notify.models import Delivery, Message

per_month = dict(
    Publication.objects.values_list("month").annotate(n=Count("pk")).values_list("month", "n")
)
posted = Delivery.objects.filter(message__kind__in=["board_posted", "board_digest"])
per_message = posted.values("user_id", "message_id").annotate(n=Count("pk"))
verdict = StringIO()
call_command("verify", stdout=verdict)
print(json.dumps({
    "publications": {m.isoformat()[:7]: n for m, n in per_month.items()},
    "versions": sorted(set(Publication.objects.values_list("version", flat=True))),
    "posted_messages": Message.objects.filter(kind="board_posted").count(),
    "posted_units": len(
        set(Message.objects.filter(kind="board_posted").values_list("key", flat=True))
    ),
    "copies": sorted({r["n"] for r in per_message}),
    "reporter": posted.filter(user__username="reporter", message__kind="board_posted").count(),
    "imported": Task.objects.filter(code="T-9").exists(),
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _database(folder: Path):
    """DATABASE_URL for a database of this test's own: a fresh PostgreSQL database when the
    suite runs on PostgreSQL (dropped afterwards), else an SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{folder / 'ducha.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"ducha_two_{os.getpid()}"
    admin = parts._replace(path="/postgres", query="").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _python(env: dict, script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _wait_until_up(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok":
                return
        except requests.RequestException:  # not listening yet, or still loading
            pass
        time.sleep(0.1)
    raise AssertionError(f"the app server on {port} did not come up:\n{log.read_text()[-3000:]}")


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, url
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session, f"{base}/accounts/login/")
    response = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    return session


def _moved(session: requests.Session, base: str) -> requests.Session:
    """The same browser (its cookies) talking to another app server."""
    other = requests.Session()
    other.cookies.update(session.cookies)
    return other


@pytest.fixture
def site(tmp_path):
    """The shared environment, the database migrated and seeded once."""
    with _database(tmp_path) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DUCHA_SHARED_DIR": str(tmp_path / "shared"),
            "SECRET_KEY": "two-servers-" + "x" * 50,  # one key on every server
            "DUCHA_TODAY": TODAY,
            "DUCHA_MFA_REQUIRED": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "ducha.settings",
            "WEB_CONCURRENCY": "1",
        }
        env.pop("DUCHA_S3_BUCKET", None)
        machines = [env | {"DUCHA_VAR_DIR": str(tmp_path / f"machine-{n}")} for n in (1, 2)]
        said = _python(machines[0], f"PASSWORD = {PASSWORD!r}\n" + SETUP)
        made = json.loads(said.splitlines()[-1])  # after what the import says
        yield {"tmp": tmp_path, "machines": machines, **made}


@pytest.fixture
def servers(site):
    """Two gunicorn app servers, one per machine; their base URLs."""
    started = []
    try:
        for n, env in enumerate(site["machines"], 1):
            port = _free_port()
            log = site["tmp"] / f"server-{n}.log"
            server = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                env=env,
                cwd=ROOT,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append((server, port, log))
        for server, port, log in started:
            _wait_until_up(server, port, log)
        yield [f"http://127.0.0.1:{port}" for _, port, _ in started]
    finally:
        for server, _, _ in started:
            server.terminate()
        for server, _, _ in started:
            server.wait(timeout=30)


def test_two_app_servers_share_files_staged_imports_and_publish_once(site, servers, tmp_path):
    one, two = servers

    # A report saved with its evidence through the first server...
    reporter = _sign_in(one, "reporter")
    page = f"/reports/{site['task']}/2021-06/"
    data = {
        "action": "save",
        "version": "0",
        "narrative": "完成方案起草，召开专题会",
        "csrfmiddlewaretoken": _csrf(reporter, one + page),
    }
    for node in site["nodes"]:
        data |= {f"node-{node}-status": "in_progress", f"node-{node}-percent": "30"}
    saved = reporter.post(
        one + page,
        data,
        files={"files": ("验收材料.pdf", PDF, "application/pdf")},
        allow_redirects=False,
        timeout=60,
    )
    assert saved.status_code == 302, saved.text[:3000]

    # ...is downloaded through the second, the same bytes, by the same signed-in browser.
    elsewhere = _moved(reporter, two)
    shown = elsewhere.get(two + page, timeout=30)
    assert shown.status_code == 200 and "验收材料.pdf" in shown.text
    link = re.search(r'href="(/evidence/\d+/)"', shown.text).group(1)
    download = elsewhere.get(two + link, timeout=30)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(PDF).hexdigest()
    assert download.headers["Content-Disposition"].startswith("attachment")
    stored = list((tmp_path / "shared" / "media" / "evidence").iterdir())
    assert len(stored) == 1 and stored[0].stat().st_mode & 0o777 == 0o600
    for n in (1, 2):  # nothing of it on either machine's own disk
        assert not (tmp_path / f"machine-{n}" / "media").exists()

    # A ledger import checked on the first server is confirmed on the second.
    office = _sign_in(one, "office")
    row = ledger_row(code="T-9", 分管市领导="陈静", 配合单位="市医保局")  # people it knows
    ledger = write_csv(tmp_path / "台账.csv", LEDGER_HEADER, [row])
    preview = office.post(
        f"{one}/office/ledger/",
        {"kind": "ledger", "csrfmiddlewaretoken": _csrf(office, f"{one}/office/ledger/")},
        files={"file": ("台账.csv", ledger.read_bytes(), "text/csv")},
        timeout=60,
    )
    assert preview.status_code == 200 and "预览（未写入任何数据）" in preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    assert len(list((tmp_path / "shared" / "import-staging").iterdir())) == 1
    office_two = _moved(office, two)
    confirmed = office_two.post(
        f"{two}/office/ledger/confirm/",
        {"token": token, "csrfmiddlewaretoken": _csrf(office_two, f"{two}/office/ledger/")},
        timeout=60,
    )
    assert confirmed.status_code == 200 and "导入完成" in confirmed.text, confirmed.text[:3000]
    assert list((tmp_path / "shared" / "import-staging").iterdir()) == []

    # The publication day: both machines' timers fire at once.
    go, ready = tmp_path / "go", [tmp_path / f"ready-{n}" for n in (1, 2)]
    ticks = [
        subprocess.Popen(
            [sys.executable, "-c", TICK, str(flag), str(go), PUBLICATION],
            env=env | {"DUCHA_TODAY": PUBLICATION[:10]},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for env, flag in zip(site["machines"], ready, strict=True)
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline and all(t.poll() is None for t in ticks)
        time.sleep(0.01)
    go.touch()
    said = [tick.communicate(timeout=120) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0], said
    # Between them they posted each month due once (the two may share the months out).
    lines = [line for out, _ in said for line in out.splitlines()]
    posted = [line.split("：")[0] for line in lines if "：已自动发布" in line]
    assert "2021年6月" in posted and len(posted) == len(set(posted)), said

    after = json.loads(_python(site["machines"][1], AFTER))
    assert after["publications"]["2021-06"] == 1, after
    assert set(after["publications"].values()) == {1}  # every month posted once
    assert after["versions"] == [1]
    assert after["posted_messages"] == after["posted_units"] > 0
    assert after["copies"] == [1]  # each message once in each recipient's inbox
    assert after["reporter"] == len(after["publications"])  # the unit's marks, each month
    assert after["imported"]
