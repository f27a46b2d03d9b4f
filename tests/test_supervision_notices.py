"""督办通知 step by step: drafted, numbered when issued (per jurisdiction and year, safely
under concurrency), sent, answered with evidence, returned and answered again, accepted;
an overdue answer chased once a day; the Word and PDF files; the ladder at publication; and
the optional deductions in the scores."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from ducha.assessment.scores import scores
from ducha.audit.models import AuditEntry
from ducha.boards.publication import publish
from ducha.desk.auditlog import describe
from ducha.lib import clock
from ducha.notify.models import Channel, Delivery, Message
from ducha.org.models import Jurisdiction, User
from ducha.ratings.marks import SNAIL
from ducha.reports.evidence import EvidenceRefused
from ducha.supervision import documents, ladder, notices
from ducha.supervision.models import Answer, AnswerFile, Notice, Proposal, Rule
from tests.test_jurisdiction_engine import county, task
from tests.test_reports import PDF

JAN, FEB, JUNE = dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 6, 1)


def at(day: str, hour: int = 9) -> dt.datetime:
    return clock.local(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def issued(cycle, code="t1", **over) -> Notice:
    draft = notices.draft_notice(cycle[code], by=cycle["office"], **over)
    return notices.issue(draft, cycle["office"])


# Numbering ------------------------------------------------------------------------------------


def test_a_notice_is_numbered_when_issued_per_jurisdiction_and_year(cycle, settings):
    draft = notices.draft_notice(cycle["t1"], by=cycle["office"])
    assert draft.document_number == "" and draft.state == "draft"
    first = notices.issue(draft, cycle["office"])
    second = issued(cycle, "t2")
    assert [first.document_number, second.document_number] == [
        "德改督〔2021〕1号",
        "德改督〔2021〕2号",
    ]
    assert first.office_name == "德州市委全面深化改革委员会办公室"
    assert first.issued_on == dt.date(2021, 7, 3)

    # A county numbers its own notices from 1, issued by its own office.
    lingcheng = county("lingcheng", "陵城区")
    theirs = task(lingcheng, "LC-1", "陵城区一窗受理", dt.date(2021, 3, 1))
    office = User.objects.create_user("lc_office", role=User.Role.OFFICE, jurisdiction=lingcheng)
    county_notice = notices.issue(notices.draft_notice(theirs, by=office), office)
    assert county_notice.document_number == "德改督〔2021〕1号"
    assert county_notice.office_name == "陵城区委全面深化改革委员会办公室"

    # A new year starts again at 1; the prefix is a setting, kept on each notice issued.
    settings.DUCHA_TODAY = "2022-01-04"
    settings.DUCHA_NOTICE_PREFIX = "德改督办"
    assert issued(cycle).document_number == "德改督办〔2022〕1号"
    first.refresh_from_db()
    assert first.document_number == "德改督〔2021〕1号"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_notices_issued_at_the_same_moment_never_share_a_number(cycle):
    drafts = [notices.draft_notice(cycle["t1"], by=cycle["office"]) for _ in range(8)]
    start = threading.Barrier(len(drafts))
    errors = []

    def issue(notice):
        try:
            start.wait()
            with clock.frozen(at("2021-07-03")):
                notices.issue(notice, cycle["office"])
        except Exception as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Notice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 9))


# Sending, answering, deciding -----------------------------------------------------------------


def test_issuing_sends_the_notice_to_the_lead_unit_and_the_leader(cycle):
    notice = issued(cycle)
    message = Message.objects.get(key=f"notice:{notice.pk}:issued")
    assert message.kind == "notice_issued" and notice.document_number in message.subject
    reached = set(
        Delivery.objects.filter(message=message, channel=Channel.INBOX).values_list(
            "user__username", flat=True
        )
    )
    assert reached == {"reporter", "head", "leader"}
    assert "市工业和信息化局：" in message.body and "T-1" in message.body
    with pytest.raises(notices.NoticeError):
        notices.issue(notice, cycle["office"])  # issued once
    entry = AuditEntry.objects.get(action="notice_issued")
    assert describe(entry).sentence.endswith(
        "签发了 T-1 的督办通知 德改督〔2021〕1号（反馈期限 2021-07-13）"
    )


def test_the_unit_answers_the_office_returns_and_then_accepts(cycle):
    notice = issued(cycle)
    upload = SimpleUploadedFile("整改方案.pdf", PDF, content_type="application/pdf")
    notices.answer(notice, cycle["reporter"], "已召开专题会，制定整改方案", [upload])
    notice.refresh_from_db()
    assert notice.state == "answered"
    assert AnswerFile.objects.get().original_name == "整改方案.pdf"
    with pytest.raises(notices.NoticeError):  # the office's turn now
        notices.answer(notice, cycle["reporter"], "再补充")
    with pytest.raises(notices.NoticeError):
        notices.send_back(notice, cycle["office"], "  ")  # a return says why
    notices.send_back(notice, cycle["office"], "措施不具体", due_on=dt.date(2021, 7, 20))
    notice.refresh_from_db()
    assert (notice.state, notice.due_on) == ("returned", dt.date(2021, 7, 20))
    assert Message.objects.filter(kind="notice_returned").count() == 1
    notices.answer(notice, cycle["head"], "明确了责任人和完成时限")
    notices.accept(notice, cycle["office"], "同意")
    notice.refresh_from_db()
    assert notice.state == "accepted"
    assert [(a.decision, a.comment) for a in notice.answers.all()] == [
        ("returned", "措施不具体"),
        ("accepted", "同意"),
    ]
    steps = list(
        AuditEntry.objects.filter(action__startswith="notice_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert steps == [
        "notice_drafted",
        "notice_issued",
        "notice_answered",
        "notice_returned",
        "notice_answered",
        "notice_accepted",
    ]
    for entry in AuditEntry.objects.filter(action__startswith="notice_"):
        assert "T-1" in describe(entry).sentence


def test_a_refused_file_refuses_the_whole_answer_and_leaves_no_file(cycle, settings):
    notice = issued(cycle)
    good = SimpleUploadedFile("a.pdf", PDF)
    bad = SimpleUploadedFile("b.pdf", b"<html><script>alert(1)</script>")
    with pytest.raises(EvidenceRefused):
        notices.answer(notice, cycle["reporter"], "反馈", [good, bad])
    assert not Answer.objects.exists() and not AnswerFile.objects.exists()
    assert list((settings.MEDIA_ROOT / "evidence").iterdir()) == []
    notice.refresh_from_db()
    assert notice.state == "issued"


def test_an_overdue_answer_is_chased_once_a_day_until_it_comes(cycle):
    notice = issued(cycle)  # due 13 July
    assert notices.escalate_overdue(at("2021-07-13")) == []
    (line,) = notices.escalate_overdue(at("2021-07-14"))
    assert line == "督办通知 德改督〔2021〕1号（T-1，市工业和信息化局）逾期 1 天，已催办"
    assert notices.escalate_overdue(at("2021-07-14", 17)) == []  # once a day
    notice.refresh_from_db()
    assert notice.overdue_since == dt.date(2021, 7, 14)
    assert len(notices.escalate_overdue(at("2021-07-15"))) == 1
    chased = Message.objects.filter(kind="notice_overdue").order_by("key")
    assert [m.key for m in chased] == [
        f"notice:{notice.pk}:overdue:2021-07-14",
        f"notice:{notice.pk}:overdue:2021-07-15",
    ]
    assert "逾期 2 天" in chased[1].subject
    with clock.frozen(at("2021-07-16")):
        notices.answer(notice, cycle["reporter"], "补报整改反馈")
    assert notices.escalate_overdue(at("2021-07-16", 10)) == []
    answered = AuditEntry.objects.get(action="notice_answered")
    assert answered.data()["late"] is True
    assert AuditEntry.objects.filter(action="notice_escalated").count() == 2


# The documents ----------------------------------------------------------------------------------


@pytest.fixture
def june_notice(cycle):
    """T-1, rated a snail on the posted June board, with its notice issued on 3 July."""
    publish(JUNE, now=at("2021-07-10"))
    return issued(cycle, requirements="7月底前印发实施方案。")


def test_the_word_file_opens_and_reads_as_the_form_offices_use(june_notice):
    from docx import Document

    document = Document(io.BytesIO(documents.docx_bytes(june_notice)))
    lines = [p.text for p in document.paragraphs if p.text]
    assert lines[:3] == ["督办通知", "德改督〔2021〕1号", "市工业和信息化局："]
    text = "\n".join(lines)
    assert "T-1 推进亩产效益评价改革" in text
    assert f"2021年6月“{SNAIL.name}”" in text
    assert "7月底前印发实施方案。" in text and "请于2021年7月13日前" in text
    assert lines[-4:] == [
        "德州市委全面深化改革委员会办公室",
        "2021年7月3日",
        "（盖章处）",
        "抄送：赵明同志（分管市领导）",
    ]
    assert document.core_properties.title == "督办通知 德改督〔2021〕1号"


def test_the_pdf_shows_the_number_the_task_and_the_deadline(june_notice, tmp_path):
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(documents.pdf_bytes(june_notice))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for expected in (
        "督办通知",
        "德改督〔2021〕1号",
        "T-1推进亩产效益评价改革",
        "2021年7月13日",
        "市工业和信息化局：",
        "盖章处",
        "德州市委全面深化改革委员会办公室",
    ):
        assert expected in flat, expected


def test_a_draft_prints_without_a_number(cycle):
    draft = notices.draft_notice(cycle["t1"], by=cycle["office"])
    said = documents.content(draft)
    assert said.number.startswith("德改督〔") and "签发时编号" in said.number
    assert said.date == "　　年　月　日"


# The ladder at publication, and its deductions --------------------------------------------------


def test_the_defaults_are_shown_without_writing_and_saved_on_first_use(db, areas):
    home = Jurisdiction.objects.home()
    shown = ladder.rules_of(home)
    assert [r.pk for r in shown] == [None] * 5 and not Rule.objects.exists()
    assert ladder.describe(shown[0]) == f"连续 2 个月评为“{SNAIL.name}”"
    stored = ladder.ensure_rules(home)
    assert len(stored) == 5 and ladder.ensure_rules(home) == stored
    assert all(r.deduction == 0 for r in stored)  # deductions are off by default


def _january_and_february(django_capture_on_commit_callbacks):
    """Nothing reported: T-1 and T-2 are snails in January and again in February."""
    with django_capture_on_commit_callbacks(execute=True):
        publish(JAN, now=at("2021-02-10"))
    assert not Proposal.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        publish(FEB, now=at("2021-03-10"))


def test_a_posted_board_is_read_by_the_ladder_once_committed(
    cycle, django_capture_on_commit_callbacks
):
    _january_and_february(django_capture_on_commit_callbacks)
    made = Proposal.objects.order_by("task__code")
    assert [(p.task.code, p.step, p.state) for p in made] == [
        ("T-1", "notice", "pending"),
        ("T-2", "notice", "pending"),
    ]
    assert not Notice.objects.exists()  # proposals only, until the office confirms


def test_a_confirmed_step_with_a_deduction_comes_off_the_lead_units_score(
    cycle, django_capture_on_commit_callbacks, tmp_path
):
    july = dt.date(2021, 7, 3)
    _january_and_february(django_capture_on_commit_callbacks)
    before = scores(2021, today=july)
    assert not any(hasattr(s, "deduction") for s in before)
    Rule.objects.filter(kind="streak", mark=SNAIL.key, count=2).update(deduction=Decimal("2.5"))
    proposals = Proposal.objects.order_by("task__code")
    ladder.dismiss(proposals[1], cycle["office"])  # T-2's: dismissed, nothing comes off
    assert scores(2021, today=july) == before
    ladder.confirm(proposals[0], cycle["office"])  # T-1's, with the rule's deduction now
    after = {s.name: s for s in scores(2021, today=july)}
    gxj = after["市工业和信息化局"]
    assert (gxj.before, gxj.deduction, gxj.score) == (
        Decimal("0.0"),
        Decimal("2.5"),
        Decimal("-2.5"),
    )
    assert gxj.rank == 2 and after["市财政局"].rank == 1
    assert gxj.as_json()["deduction"] == 2.5
    entry = AuditEntry.objects.get(action="proposal_confirmed")
    assert describe(entry).sentence.endswith("督办通知（牵头单位扣 2.5 分）")
    # The workbook shows the deduction beside the score; without one, it is as before.
    from openpyxl import load_workbook

    from ducha.assessment.exports import scores_xlsx

    for result, columns in ((list(after.values()), 9), (before, 7)):
        path = tmp_path / f"scores-{columns}.xlsx"
        scores_xlsx(result, path, year=2021, label="牵头单位")
        head = [c.value for c in load_workbook(path).active[2] if c.value]
        assert len(head) == columns and ("问责扣分" in head) == (columns == 9)


def test_tick_runs_the_ladder_again_over_the_recent_boards_once(cycle):
    """What `ducha tick` calls: boards posted while the listener did not run (here: no
    commit) are read on the next tick, and a second tick proposes nothing again."""
    publish(JAN, now=at("2021-02-10"))
    publish(FEB, now=at("2021-03-10"))
    assert not Proposal.objects.exists()
    assert ladder.run_recent(at("2021-03-11")) == ["问责阶梯：德州市2021年2月新提出 2 条建议"]
    assert ladder.run_recent(at("2021-03-12")) == []
    assert Proposal.objects.count() == 2
