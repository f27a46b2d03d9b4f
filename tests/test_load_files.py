"""The deadline-day load test's own parts (benchmarks/load/), on a small ledger: what the
locustfile posts is what the real pages accept, its evidence passes the sniffing, the seeding
gives every clerk a task and a head, and the summary fails a run it should fail."""

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from benchmarks.load import pages, seed, summary
from benchmarks.load.evidence import MB, pdf
from ducha.reports import evidence
from tests.conftest import ROOT

JUNE = dt.date(2021, 6, 1)


def test_the_clerks_evidence_is_a_pdf_of_the_size_asked_that_ducha_accepts(tmp_path):
    data = pdf(MB + 12345, seed=7)
    path = tmp_path / "纪要.pdf"
    path.write_bytes(data)
    checked = evidence.check(path, path.name)
    assert (checked.kind, checked.size) == ("pdf", MB + 12345)
    assert pdf(MB + 12345, seed=8) != data  # each clerk's file has its own hash


def _sign_in(username, password):
    client = Client(enforce_csrf_checks=True)  # the token comes from the page, as in locust
    form = pages.login_form(client.get("/accounts/login/").content.decode())
    data = form.data() | {"username": username, "password": password}
    assert client.post("/accounts/login/", data).status_code == 302
    return client


def _post(client, path, fields, action, **files):
    answer = client.post(path, fields | {"action": action} | files)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return client.get(path).content.decode()


def test_a_report_goes_from_draft_to_accepted_through_the_pages_as_the_locustfile_posts_it(
    cycle,
):
    tasks, expected = seed.choose_tasks(JUNE, 5)
    assert {t.code for t in tasks} == {"T-1", "T-2"} and expected == 2
    plan = seed.sign_up(tasks, JUNE, password="pw-load")
    assert len(plan["heads"]) == 2 and [len(plan["offices"]), plan["month"]] == [1, "2021-06"]
    clerk = next(c for c in plan["clerks"] if c["task"] == "T-1")
    path = f"/reports/T-1/{plan['month']}/"

    client = _sign_in(clerk["username"], "pw-load")
    assert "T-1" in client.get("/me/").content.decode()
    form = pages.report_form(client.get(path).content.decode())
    assert {"save", "submit"} <= pages.actions(form)
    page = _post(client, path, pages.filled(form, note="推进中", narrative="草稿"), "save")
    assert pages.status(page) == "draft"
    filled = pages.filled(pages.report_form(page), note="已推进", narrative="6月份推进顺利。")
    upload = SimpleUploadedFile("纪要.pdf", pdf(700), "application/pdf")
    assert pages.status(_post(client, path, filled, "submit", files=upload)) == "submitted"

    head = _sign_in(clerk["head"], "pw-load")
    assert pages.to_approve(head.get("/me/").content.decode()) == [path]
    form = pages.report_form(head.get(path).content.decode())
    assert pages.status(_post(head, path, form.data(), "approve")) == "approved"

    office = _sign_in(plan["offices"][0], "pw-load")
    assert pages.to_review(office.get("/office/").content.decode()) == [path]
    form = pages.report_form(office.get(path).content.decode())
    assert pages.status(_post(office, path, form.data(), "accept")) == "accepted"
    assert seed.outcome(JUNE) == {"accepted": 1}


def _stats(tmp_path, board_p95=150, failures=0):
    header = "Type,Name,Request Count,Failure Count,50%,95%,99%\n"
    rows = [
        f"POST,submission,300,{failures},120,400,700",
        f"GET,board,3000,0,10,{board_p95},300",
        f",Aggregated,3300,{failures},12,300,600",
    ]
    (tmp_path / "l_stats.csv").write_text(header + "\n".join(rows) + "\n")
    return tmp_path / "l"


def test_the_summary_passes_a_clean_run_and_fails_on_an_error_or_a_slow_board(tmp_path, capsys):
    assert summary.main([str(_stats(tmp_path))]) == 0
    assert summary.main([str(_stats(tmp_path, failures=1))]) == 1
    assert summary.main([str(_stats(tmp_path, board_p95=210))]) == 1
    out = capsys.readouterr().out
    assert "board p95 210 ms, target < 200 ms" in out and "1 failed requests" in out


@pytest.mark.skipif(
    shutil.which("locust", path=os.path.dirname(sys.executable)) is None,
    reason="locust is installed by make load (requirements-load.txt)",
)
def test_the_locustfile_loads_with_its_four_kinds_of_people(tmp_path):
    listed = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "locust"),
            "-f",
            "benchmarks/load/locustfile.py",
            "--list",
        ],
        cwd=ROOT,
        env=os.environ | {"LOAD_PLAN": str(tmp_path / "none.json")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[-4:] == ["Clerk", "Head", "Office", "Reader"]
