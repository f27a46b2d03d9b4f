"""The 督办 pages: who may read a notice and download it, who may issue, answer, accept or
return one, the ladder's proposals and rules pages, and the notices on the task page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.boards.publication import publish
from ducha.lib import clock
from ducha.org.models import User
from ducha.supervision import notices
from ducha.supervision.models import Interview, Notice, Proposal, Rule, dump_list
from tests.test_jurisdiction_engine import county, task
from tests.test_reports import PDF

JAN, FEB = dt.date(2021, 1, 1), dt.date(2021, 2, 1)


def client_for(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(cycle):
    """T-1's notice issued by the city office; a county (陵城区) with its own office, task
    and notice; the city office reads the county's, and runs only its own."""
    lingcheng = county("lingcheng", "陵城区")
    lc_task = task(lingcheng, "LC-1", "陵城区一窗受理", dt.date(2021, 3, 1))
    lc_office = User.objects.create_user("lc_office", role=User.Role.OFFICE, jurisdiction=lingcheng)
    lc_reporter = User.objects.create_user(
        "lc_reporter", role=User.Role.REPORTER, jurisdiction=lingcheng, unit=lc_task.lead_unit
    )
    city = notices.issue(notices.draft_notice(cycle["t1"], by=cycle["office"]), cycle["office"])
    theirs = notices.issue(notices.draft_notice(lc_task, by=lc_office), lc_office)
    return cycle | {
        "notice": city,
        "lc_notice": theirs,
        "lc_office": lc_office,
        "lc_reporter": lc_reporter,
    }


def url(notice: Notice, step: str = "") -> str:
    return f"/notices/{notice.pk}/{step + '/' if step else ''}"


# Reading and downloading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("auditor", 200),
        ("reporter", 200),
        ("head", 200),
        ("leader", 200),
        ("other_reporter", 404),
        ("lc_office", 404),
        ("lc_reporter", 404),
    ],
)
def test_a_notice_and_its_files_are_read_by_its_office_its_unit_and_its_leader(world, who, status):
    notice = world["notice"]
    client = client_for(world[who])
    for path in (url(notice), url(notice) + "notice.docx", url(notice) + "notice.pdf"):
        assert client.get(path).status_code == status, path


def test_the_public_cannot_read_or_download_a_notice(world):
    visitor = client_for()
    for path in (url(world["notice"]), url(world["notice"]) + "notice.docx", "/notices/"):
        response = visitor.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_city_office_reads_a_countys_notices_and_takes_no_step_there(world):
    office = client_for(world["office"])
    theirs = world["lc_notice"]
    assert office.get(url(theirs)).status_code == 200
    assert office.get(url(theirs) + "notice.docx").status_code == 200
    listed = office.get("/notices/?j=lingcheng").content.decode()
    assert "LC-1" in listed and "T-1" not in listed
    draft = notices.draft_notice(theirs.task, by=world["lc_office"])
    assert office.post(url(draft, "issue")).status_code == 403
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert client_for(world["auditor"]).post(url(draft, "issue")).status_code == 403


def test_a_county_office_cannot_issue_in_another_jurisdiction(world):
    draft = notices.draft_notice(world["t2"], by=world["office"])
    response = client_for(world["lc_office"]).post(url(draft, "issue"))
    assert response.status_code == 404  # not even visible to it
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.number is None
    assert client_for(world["office"]).post(url(draft, "issue")).status_code == 302
    draft.refresh_from_db()
    assert draft.document_number == "德改督〔2021〕2号"


def test_drafts_are_the_offices_until_issued(world):
    draft = notices.draft_notice(world["t1"], by=world["office"])
    assert client_for(world["reporter"]).get(url(draft)).status_code == 404
    assert client_for(world["auditor"]).get(url(draft)).status_code == 200
    assert client_for(world["office"]).get(url(draft) + "notice.pdf").status_code == 200


# Answering and deciding ----------------------------------------------------------------------


def test_a_unit_answers_its_own_notice_and_not_another_units(world):
    notice = world["notice"]
    form = {"text": "已制定整改方案", "files": [_pdf()]}
    other = client_for(world["other_reporter"]).post(url(notice, "answer"), form)
    assert other.status_code == 404
    leader = client_for(world["leader"]).post(url(notice, "answer"), {"text": "x"})
    assert leader.status_code == 403  # reads it, answers nothing
    county = client_for(world["lc_reporter"]).post(url(world["notice"], "answer"), {"text": "x"})
    assert county.status_code == 404
    notice.refresh_from_db()
    assert notice.state == "issued"
    ok = client_for(world["reporter"]).post(
        url(notice, "answer"), {"text": "已制定整改方案", "files": [_pdf()]}
    )
    assert ok.status_code == 302
    notice.refresh_from_db()
    assert notice.state == "answered"
    (answer,) = notice.answers.all()
    (stored,) = answer.files.all()
    download = client_for(world["leader"]).get(f"/notices/files/{stored.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert (
        client_for(world["other_reporter"]).get(f"/notices/files/{stored.pk}/").status_code == 404
    )
    # The unit's answer is in; a second one waits for the office's decision.
    again = client_for(world["head"]).post(url(notice, "answer"), {"text": "补充"})
    assert again.status_code == 403


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")


def test_a_joint_lead_unit_answers_too(world):
    from ducha.ledger.models import JointLead

    JointLead.objects.create(task=world["t1"], unit=world["other_reporter"].unit)
    response = client_for(world["other_reporter"]).post(
        url(world["notice"], "answer"), {"text": "联合牵头单位的反馈"}
    )
    assert response.status_code == 302


def test_the_office_returns_and_accepts_by_post_only(world):
    notice = world["notice"]
    notices.answer(notice, world["reporter"], "第一次反馈")
    office = client_for(world["office"])
    assert office.get(url(notice, "accept")).status_code == 405
    assert client_for(world["head"]).post(url(notice, "accept")).status_code == 403
    page = office.post(url(notice, "return"), {"comment": ""}, follow=True).content.decode()
    assert "退回意见" in page  # refused: a return says why
    assert office.post(url(notice, "return"), {"comment": "措施不具体"}).status_code == 302
    notice.refresh_from_db()
    assert notice.state == "returned"
    notices.answer(notice, world["reporter"], "第二次反馈")
    office.post(url(notice, "accept"), {"comment": "长" * 5000})  # refused, never cut off
    notice.refresh_from_db()
    assert notice.state == "answered"
    assert office.post(url(notice, "accept"), {"comment": "同意"}).status_code == 302
    notice.refresh_from_db()
    assert notice.state == "accepted"


def test_the_list_filters_by_state_and_overdue(world):
    office = client_for(world["office"])
    draft = notices.draft_notice(world["t2"], by=world["office"])
    both = office.get("/notices/").content.decode()
    assert f'data-notice="{world["notice"].pk}"' in both and f'data-notice="{draft.pk}"' in both
    drafts = office.get("/notices/?state=draft").content.decode()
    assert f'data-notice="{world["notice"].pk}"' not in drafts
    assert f'data-notice="{draft.pk}"' in drafts
    Notice.objects.filter(pk=world["notice"].pk).update(due_on=dt.date(2021, 7, 1))
    late = office.get("/notices/?overdue=1").content.decode()
    assert f'data-notice="{world["notice"].pk}"' in late and f'data-notice="{draft.pk}"' not in late
    assert office.get("/notices/?state=nonsense").status_code == 400


def test_a_notice_is_drafted_by_hand_for_a_task_of_the_offices_own_ledger(world):
    office = client_for(world["office"])
    form = {
        "task": "T-2",
        "reason": "节点逾期未完成",
        "requirements": "限期整改",
        "due_on": "2021-07-30",
    }
    response = office.post("/notices/new/", form)
    assert response.status_code == 302
    notice = Notice.objects.get(task=world["t2"])
    assert notice.state == "draft" and notice.reason_list() == [
        {"kind": "by_hand", "text": "节点逾期未完成"}
    ]
    assert (
        client_for(world["lc_office"]).post("/notices/new/", form).status_code == 200
    )  # no T-2 there
    assert Notice.objects.filter(task__code="T-2").count() == 1
    assert client_for(world["reporter"]).post("/notices/new/", form).status_code == 403


# The task page ----------------------------------------------------------------------


def test_the_task_page_shows_the_notices_to_those_who_read_them(world):
    number = world["notice"].document_number
    assert number in client_for(world["office"]).get("/tasks/T-1/").content.decode()
    assert number in client_for(world["reporter"]).get("/tasks/T-1/").content.decode()
    public = client_for().get("/tasks/T-1/").content.decode()
    assert number not in public and "督办通知" not in public
    stranger = client_for(world["other_reporter"]).get("/tasks/T-1/").content.decode()
    assert number not in stranger


# The ladder's pages ------------------------------------------------------------------


@pytest.fixture
def proposed(cycle, django_capture_on_commit_callbacks):
    """January and February posted with nothing reported: both tasks two snails running."""
    with django_capture_on_commit_callbacks(execute=True):
        publish(JAN, now=clock.local(dt.datetime(2021, 2, 10, 9)))
        publish(FEB, now=clock.local(dt.datetime(2021, 3, 10, 9)))
    return {p.task.code: p for p in Proposal.objects.select_related("task")}


def test_the_office_confirms_a_proposal_into_a_draft_and_dismisses_another(cycle, proposed):
    office = client_for(cycle["office"])
    page = office.get("/office/ladder/").content.decode()
    assert f'data-proposal="{proposed["T-1"].pk}"' in page
    assert (
        client_for(cycle["auditor"])
        .post(f"/office/ladder/{proposed['T-1'].pk}/confirm/")
        .status_code
        == 403
    )
    response = office.post(f"/office/ladder/{proposed['T-1'].pk}/confirm/")
    notice = Notice.objects.get(task=cycle["t1"])
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert notice.state == "draft" and notice.proposal_id == proposed["T-1"].pk
    assert (
        office.post(f"/office/ladder/{proposed['T-2'].pk}/dismiss/", {"note": "已约谈"}).status_code
        == 302
    )
    assert (
        office.post(f"/office/ladder/{proposed['T-2'].pk}/confirm/").status_code == 302
    )  # refused
    assert not Notice.objects.filter(task=cycle["t2"]).exists()
    dismissed = AuditEntry.objects.get(action="proposal_dismissed")
    assert dismissed.data()["note"] == "已约谈"


def test_the_interview_list_shows_what_the_office_confirmed(cycle, proposed):
    interview = Proposal.objects.create(
        jurisdiction=proposed["T-1"].jurisdiction,
        task=cycle["t1"],
        unit=cycle["t1"].lead_unit,
        month=FEB,
        step="interview",
        reasons=dump_list(
            [
                {
                    "kind": "streak",
                    "mark": "snail",
                    "count": 3,
                    "months": ["2020-12", "2021-01", "2021-02"],
                }
            ]
        ),
    )
    office = client_for(cycle["office"])
    office.post(f"/office/ladder/{interview.pk}/confirm/")
    assert Interview.objects.get().leader.name == "赵明"
    page = office.get("/office/interviews/").content.decode()
    assert 'data-leader="赵明" data-task="T-1"' in page and "2020年12月至2021年2月" in page


def test_the_rules_page_shows_the_defaults_and_the_office_changes_them(cycle):
    office = client_for(cycle["office"])
    page = office.get("/office/ladder/rules/").content.decode()
    assert page.count("data-rule=") == 5 and not Rule.objects.exists()  # a GET writes nothing
    change = {"key": "streak:snail:2:notice", "count": "2", "deduction": "1.5", "active": "on"}
    assert client_for(cycle["auditor"]).post("/office/ladder/rules/", change).status_code == 403
    assert office.post("/office/ladder/rules/", change).status_code == 302
    rule = Rule.objects.get(kind="streak", mark="snail", count=2)
    assert str(rule.deduction) == "1.5" and Rule.objects.count() == 5
    added = {
        "kind": "streak",
        "mark": "ostrich",
        "count": "6",
        "step": "interview",
        "deduction": "0",
    }
    assert office.post("/office/ladder/rules/", added).status_code == 302
    assert Rule.objects.count() == 6
    entry = AuditEntry.objects.filter(action="ladder_rule_changed").order_by("seq").last()
    from ducha.desk.auditlog import describe

    assert "新增了问责规则：连续 6 个月评为" in describe(entry).sentence


def test_no_page_writes_anything_on_get(world, proposed):
    """Every 督办 page, as each person, read with GET: nothing written (the session's own
    table aside), whatever the answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_get_crawl import _writes

    notice = world["notice"]
    notices.answer(notice, world["reporter"], "反馈", [_pdf()])
    stored = notice.answers.get().files.get()
    pages = [
        "/notices/",
        "/notices/?state=issued&overdue=1",
        "/notices/new/",
        "/notices/new/?task=T-1",
        url(notice),
        url(notice) + "notice.docx",
        url(notice) + "notice.pdf",
        f"/notices/files/{stored.pk}/",
        "/office/ladder/",
        "/office/ladder/?state=dismissed&month=2021-02",
        "/office/ladder/rules/",
        "/office/interviews/",
        "/notices/?j=lingcheng",
        "/tasks/T-1/",
    ]
    for who in ("office", "auditor", "reporter", "leader", "lc_office", None):
        client = client_for(world[who] if who else None)
        for path in pages:
            with CaptureQueriesContext(connection) as queries:
                status = client.get(path).status_code
            assert status < 500, (who, path, status)
            assert _writes(queries.captured_queries) == [], (who, path)
