"""A throwaway Ducha site for the restore drill, driven step by step in its own process.

`ducha backup` and `ducha restore` work on a database file or a PostgreSQL database that
other processes use too; pytest-django's SQLite test database lives in memory. So the drill
runs `python -m tests.backup_site STEP…` against DATABASE_URL and DUCHA_VAR_DIR, and each
step prints what it saw as one line of JSON.

    seed      a ledger, a report filed through the form with an evidence file, approved;
              June 2021 published
    snapshot  SHA-256 of the public board's page and downloads and of the evidence download
    damage    rows deleted and a board edited in the database, the evidence file overwritten
    verify    `ducha verify`'s verdict
"""

import datetime as dt
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

JUNE = dt.date(2021, 6, 1)
REPORT_URL = "/reports/T-1/2021-06/"
EVIDENCE_NAME = "会议纪要.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PUBLIC = [
    "/board/2021-06/",
    "/board/2021-06.json",
    "/board/2021-06.csv",
    "/board/2021-06.xlsx",
    "/tasks/T-1/",
]
# Per-request values a page may carry; everything else must come back byte for byte.
PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


def seed() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ducha.boards.publication import publish
    from ducha.ledger.importing import import_ledger
    from ducha.ledger.models import Node
    from ducha.org.models import Unit, User
    from ducha.reports.models import Report
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    rows = [
        ledger_row(code="T-1", node="N1", due="2021-06"),
        ledger_row(code="T-1", node="N2", due="2021-09"),
        ledger_row(code="T-2", node="N1", due="2021-08", 牵头单位="市财政局", 分管市领导="钱红"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        import_ledger(write_csv(Path(folder) / "ledger.csv", LEDGER_HEADER, rows))
    unit = Unit.objects.get(name="市工业和信息化局")
    reporter = User.objects.create_user("reporter", role=User.Role.REPORTER, unit=unit)
    head = User.objects.create_user("head", role=User.Role.HEAD, unit=unit)

    def post(user, data):
        response = _client(user).post(REPORT_URL, data)
        assert response.status_code == 302, response.content.decode()[:2000]

    data = {
        "action": "save",
        "version": 0,
        "narrative": "完成方案起草，召开专题会",
        "problems": "部门协同不够",
        "next_steps": "7月上旬印发",
        "files": SimpleUploadedFile(EVIDENCE_NAME, PDF),
    }
    for node in Node.objects.filter(task__code="T-1"):
        prefix = f"node-{node.pk}-"
        if node.code == "N1":
            data |= {prefix + "status": "done", prefix + "done_on": "2021-06-28"}
        else:
            data |= {prefix + "status": "in_progress", prefix + "percent": "30"}
            data[prefix + "note"] = "征求意见中"
    post(reporter, data)
    report = Report.objects.get()
    assert report.evidence.count() == 1
    del data["files"]
    post(reporter, data | {"action": "submit", "version": report.version})
    report.refresh_from_db()
    post(head, {"action": "approve", "version": report.version})
    publish(JUNE, now=dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC))
    return {"stored_name": report.evidence.get().stored_name}


def snapshot() -> dict:
    from django.test import Client

    from ducha.org.models import User
    from ducha.reports.models import Evidence

    seen = {url: _digest(url, Client().get(url)) for url in PUBLIC}
    item = Evidence.objects.filter(original_name=EVIDENCE_NAME).first()
    if item is None:
        seen["evidence"] = None
    else:
        reporter = User.objects.get(username="reporter")
        seen["evidence"] = _digest("evidence", _client(reporter).get(f"/evidence/{item.pk}/"))
    return seen


def damage() -> dict:
    from django.conf import settings

    from ducha.boards.models import Publication
    from ducha.reports.models import Evidence
    from tests.helpers import tamper

    stored = Evidence.objects.get().stored_name
    board = Publication.objects.get()
    edited = board.snapshot.replace("推进亩产效益评价改革", "（已删除）")
    assert edited != board.snapshot
    tamper("UPDATE boards_publication SET snapshot = %s WHERE id = %s", [edited, board.pk])
    tamper("DELETE FROM reports_evidence", [])
    tamper("DELETE FROM ledger_progress", [])
    (Path(settings.MEDIA_ROOT) / "evidence" / stored).write_bytes(b"%PDF-1.4\nforged\n%%EOF\n")
    return {"damaged": stored}


def verify() -> dict:
    from io import StringIO

    from django.core.management import CommandError, call_command

    try:
        call_command("verify", stdout=StringIO())
    except CommandError as e:
        return {"verified": False, "said": str(e)}
    return {"verified": True}


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _digest(url: str, response) -> dict:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if url.endswith("/"):
        body = PER_REQUEST.sub(rb"\1", body)
    return {"status": response.status_code, "sha256": hashlib.sha256(body).hexdigest()}


def main(steps: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # the test client's host, as in the suite
    result = {}
    for step in steps:
        result |= {"seed": seed, "snapshot": snapshot, "damage": damage, "verify": verify}[step]()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
