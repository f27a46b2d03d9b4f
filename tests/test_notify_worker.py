"""`ducha worker` killed (SIGKILL) in the middle of a batch and started again: every
recipient has each message exactly once in the inbox, and no robot or mailbox gets the same
message twice; what was under way when it died is failed and said so, never sent again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from ducha.notify import queue
from ducha.notify.api import send
from ducha.notify.models import UnitChannel
from ducha.org.models import Unit, User, ensure_home
from tests.conftest import ROOT
from tests.test_notify_delivery import Mailbox, Receiver, free_port

UNITS, MESSAGES = 6, 10


def world(robots: Receiver) -> list:
    """Six units of two people each; five units post to slow robots, the sixth to one that
    hangs; the first has a mailbox, two people their own addresses. Ten messages to all."""
    ensure_home()
    people = []
    for i in range(UNITS):
        unit = Unit.objects.create(name=f"单位{i}", order=i)
        path = "/hang/u5" if i == UNITS - 1 else f"/slow/u{i}"
        UnitChannel.objects.create(unit=unit, channel="wecom", address=robots.url(path))
        if i == 0:
            UnitChannel.objects.create(unit=unit, channel="email", address="u0@example.cn")
        for j in range(2):
            people.append(
                User.objects.create_user(
                    f"p{i}{j}",
                    role=User.Role.REPORTER,
                    unit=unit,
                    email=f"p{i}@example.cn" * (j == 0 and i < 2),
                )
            )
    for m in range(MESSAGES):
        send(people, kind="chase", subject=f"提醒{m}", body="请报送", key=f"chase-{m}")
    return people


class Database:
    """The database the worker runs on: the test's own PostgreSQL database, or the test's
    in-memory SQLite copied to a file (a subprocess cannot see the memory)."""

    def __init__(self, tmp_path):
        self.file = None
        if connection.vendor == "sqlite":
            self.file = tmp_path / "worker.sqlite3"
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            db = settings.DATABASES["default"]
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            self.url = (
                f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            )

    def rows(self, sql: str) -> list[tuple]:
        if self.file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        with sqlite3.connect(self.file) as db:
            return db.execute(sql).fetchall()

    def statuses(self) -> Counter:
        return Counter(
            dict(self.rows("SELECT status, COUNT(*) FROM notify_delivery GROUP BY status"))
        )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_and_restarted_delivers_each_message_at_most_once(tmp_path):
    robots = Receiver()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        people = world(robots)
        db = Database(tmp_path)
        env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "DUCHA_VAR_DIR": str(tmp_path / "var"),
            "DUCHA_TODAY": "",
            "DUCHA_SMTP_HOST": "127.0.0.1",
            "DUCHA_SMTP_PORT": str(smtp.port),
            "DUCHA_NOTIFY_TIMEOUT": "1",
            "DUCHA_NOTIFY_THREADS": "4",
            "DUCHA_ROBOT_HOSTS": "127.0.0.1",  # the receivers here listen on loopback
        }

        def worker(*args) -> subprocess.Popen:
            log = open(tmp_path / f"worker{time.monotonic_ns()}.log", "w")  # noqa: SIM115
            return subprocess.Popen(
                [sys.executable, "-m", "ducha", "worker", *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        first = worker()
        deadline = time.monotonic() + 20
        while not (robots.hung.is_set() and len(robots.posts) >= 4):
            assert time.monotonic() < deadline and first.poll() is None, "the worker did not start"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # mid-batch: one post hanging, others queued
        first.wait(10)
        robots.release.set()
        killed = db.statuses()
        print("at the kill:", dict(killed))
        assert killed["sending"] >= 1 and killed["queued"] >= MESSAGES - 1, killed

        # Started again with --once: everything due goes; the rows it cannot know about
        # stay `sending` until their lease ends.
        assert (
            subprocess.run(
                [sys.executable, "-m", "ducha", "worker", "--once"], cwd=ROOT, env=env, timeout=60
            ).returncode
            == 0
        )
        after_once = db.statuses()
        assert after_once["queued"] == 0 and after_once["sending"] == killed["sending"]

        # A worker left running marks them failed when their lease ends, and is stopped.
        second = worker()
        deadline = time.monotonic() + 6 * 1 + 15
        while db.statuses()["sending"]:
            assert time.monotonic() < deadline, db.statuses()
            time.sleep(0.2)
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
    finally:
        robots.close()
        smtp.stop()

    # The inbox: each recipient has each message exactly once.
    inbox = db.rows(
        "SELECT message_id, user_id, COUNT(*) FROM notify_delivery WHERE channel = 'inbox' "
        "GROUP BY message_id, user_id"
    )
    assert len(inbox) == MESSAGES * len(people) and {n for _, _, n in inbox} == {1}

    # The robots and mailboxes: no message twice at the same address.
    posts = Counter(
        (p["path"], p["json"]["markdown"]["content"].split("\n")[0]) for p in robots.posts
    )
    assert max(posts.values()) == 1, posts.most_common(3)
    mails = Counter(
        (m.rcpt_tos[0], message_from_bytes(m.content, policy=default_policy)["Subject"])
        for m in mailbox.mails
    )
    assert max(mails.values()) == 1

    # Every external delivery ended sent or failed; each sent one arrived exactly once, and
    # each failed one is one that was under way when the worker died, said so.
    final = db.statuses()
    print("in the end:", dict(final), "received:", len(robots.posts) + len(mailbox.mails))
    assert set(final) == {"sent", "failed"}, final
    assert final["failed"] == killed["sending"]
    failed = db.rows("SELECT last_error FROM notify_delivery WHERE status = 'failed'")
    assert {e for (e,) in failed} == {queue.INTERRUPTED}
    external = MESSAGES * (UNITS + 1 + 2)  # a robot each, the mailbox, two own addresses
    delivered = final["sent"] - MESSAGES * len(people)  # the inbox's rows are sent too
    assert delivered + final["failed"] == external
    # What arrived: every sent one, and perhaps those that died on the way.
    received = len(robots.posts) + len(mailbox.mails)
    assert delivered <= received <= delivered + final["failed"]
