"""延误归因, step by step: a lead unit claims that a cooperating unit held a node up, that
unit answers, the office accepts (an override with the attribution as its reason) or rejects.
Who may take each step, and what a closed or repeated step does."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from ducha.attributions import workflow
from ducha.attributions.models import PREFIX, Attribution
from ducha.audit.models import AuditEntry
from ducha.boards.publication import build_board, publish
from ducha.notify.models import Delivery, Message
from ducha.org.models import Unit, User
from ducha.ratings.models import Override
from ducha.ratings.monthly import rate_month
from ducha.reports.evidence import EvidenceRefused
from tests.test_reports import PDF

JUNE, JULY = dt.date(2021, 6, 1), dt.date(2021, 7, 1)
JULY_10 = dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC)


@pytest.fixture
def units(cycle):
    return {
        "czj": Unit.objects.get(name="市财政局"),  # a co-unit of T-1, and T-2's lead unit
        "dcq": Unit.objects.get(name="德城区"),  # a co-unit of T-1
        "gxj": Unit.objects.get(name="市工业和信息化局"),  # T-1's lead unit
    }


def n1(cycle):
    return cycle["t1"].nodes.get(code="N1")


def claimed(cycle, units, *, unit="czj", month=JUNE, by="reporter", **more):
    return workflow.claim(
        cycle["t1"],
        cycle[by],
        node=n1(cycle),
        unit=units[unit],
        month=month,
        reason=more.pop("reason", "市财政局未按期拨付专项资金，方案无法印发"),
        **more,
    )


def answered(cycle, units, stance="agrees", **more):
    a = claimed(cycle, units, **more)
    return workflow.answer(a, cycle["other_reporter"], stance=stance, text="资金已于7月拨付")


def actions() -> list[str]:
    found = AuditEntry.objects.exclude(action="ledger_imported").order_by("seq")
    return list(found.values_list("action", flat=True))


# The claim --------------------------------------------------------------------------------


def test_a_lead_units_reporter_claims_a_delay_against_a_co_unit(cycle, units):
    a = claimed(cycle, units, uploads=[SimpleUploadedFile("拨付通知.pdf", PDF)])
    assert (a.state, a.claimant, a.unit, a.month, a.node.code) == (
        "claimed",
        units["gxj"],
        units["czj"],
        JUNE,
        "N1",
    )
    assert [f.original_name for f in a.files.all()] == ["拨付通知.pdf"]
    (entry,) = AuditEntry.objects.filter(action="attribution_claimed")
    assert (entry.task_code, entry.month) == ("T-1", JUNE)
    assert json.loads(entry.detail) == {
        "month": "2021-06",
        "node": "N1",
        "unit": "市财政局",
        "files": 1,
    }


def test_the_co_units_members_are_told_of_the_claim(cycle, units):
    a = claimed(cycle, units)
    message = Message.objects.get(kind="attribution_claimed")
    reached = set(Delivery.objects.filter(message=message).values_list("user__username", flat=True))
    assert reached == {"other_reporter", "other_head"}
    assert message.url == f"/attributions/{a.pk}/" and "T-1" in message.subject


def test_the_lead_units_head_may_claim_too(cycle, units):
    assert claimed(cycle, units, by="head").claimed_by == cycle["head"]


@pytest.mark.parametrize("who", ["other_reporter", "office", "leader", "auditor"])
def test_nobody_outside_the_lead_units_may_claim(cycle, units, who):
    with pytest.raises(PermissionDenied):
        claimed(cycle, units, by=who)
    assert not Attribution.objects.exists() and not actions()


def test_a_unit_that_does_not_cooperate_on_the_task_cannot_be_named(cycle, units):
    other = Unit.objects.create(name="市民政局")
    with pytest.raises(workflow.AttributionError, match="不是这项任务的配合单位"):
        workflow.claim(
            cycle["t1"], cycle["reporter"], node=n1(cycle), unit=other, month=JUNE, reason="x"
        )
    with pytest.raises(workflow.AttributionError, match="不是这项任务的配合单位"):
        claimed(cycle, units, unit="gxj")  # the lead unit itself
    assert not Attribution.objects.exists()


def test_a_node_of_another_task_is_refused(cycle, units):
    other_node = cycle["t2"].nodes.get()
    with pytest.raises(workflow.AttributionError, match="不属于这项任务"):
        workflow.claim(
            cycle["t1"],
            cycle["reporter"],
            node=other_node,
            unit=units["czj"],
            month=JUNE,
            reason="x",
        )


def test_a_claim_needs_its_reason_and_a_month_that_has_come(cycle, units):
    with pytest.raises(workflow.AttributionError, match="请写明延误原因"):
        claimed(cycle, units, reason="   ")
    with pytest.raises(workflow.AttributionError, match="还没有到"):
        claimed(cycle, units, month=dt.date(2021, 8, 1))
    assert not Attribution.objects.exists()


def test_a_refused_file_refuses_the_claim_and_leaves_nothing_behind(cycle, units, settings):
    with pytest.raises(EvidenceRefused):
        claimed(
            cycle,
            units,
            uploads=[SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", b"<html>")],
        )
    assert not Attribution.objects.exists()
    folder = settings.MEDIA_ROOT / "evidence"
    assert not folder.exists() or not any(folder.iterdir())


def test_one_open_claim_per_node_month_and_co_unit(cycle, units):
    claimed(cycle, units)
    with pytest.raises(workflow.AttributionError, match="正在办理"):
        claimed(cycle, units, by="head")  # the same claim sent twice
    claimed(cycle, units, unit="dcq")  # another co-unit
    claimed(cycle, units, month=dt.date(2021, 5, 1))  # another month
    assert Attribution.objects.count() == 3


def test_a_closed_claim_may_be_made_again(cycle, units):
    a = answered(cycle, units, stance="disputes")
    workflow.reject(a, cycle["office"], decision="证据不足")
    assert claimed(cycle, units).state == "claimed"


# The answer -------------------------------------------------------------------------------


def test_the_co_unit_answers_and_the_office_is_told(cycle, units):
    a = claimed(cycle, units)
    a = workflow.answer(
        a,
        cycle["other_head"],
        stance="disputes",
        text="资金已按期拨付",
        uploads=[SimpleUploadedFile("回单.pdf", PDF)],
    )
    assert (a.state, a.stance, a.answered_by) == ("answered", "disputes", cycle["other_head"])
    assert [(f.side, f.original_name) for f in a.files.all()] == [("answer", "回单.pdf")]
    message = Message.objects.get(kind="attribution_answered")
    assert list(
        Delivery.objects.filter(message=message).values_list("user__username", flat=True)
    ) == ["office"]
    assert actions() == ["attribution_claimed", "attribution_answered"]


@pytest.mark.parametrize("who", ["reporter", "head", "office", "leader"])
def test_only_the_named_co_unit_answers(cycle, units, who):
    a = claimed(cycle, units)
    with pytest.raises(PermissionDenied):
        workflow.answer(a, cycle[who], stance="agrees", text="同意")
    a.refresh_from_db()
    assert a.state == "claimed"


def test_another_co_unit_of_the_task_cannot_answer_for_the_one_named(cycle, units):
    a = claimed(cycle, units, unit="dcq")
    with pytest.raises(PermissionDenied):
        workflow.answer(a, cycle["other_reporter"], stance="agrees", text="同意")


def test_an_answer_needs_a_stance_and_words_and_comes_once(cycle, units):
    a = claimed(cycle, units)
    with pytest.raises(workflow.AttributionError):
        workflow.answer(a, cycle["other_reporter"], stance="maybe", text="x")
    with pytest.raises(workflow.AttributionError):
        workflow.answer(a, cycle["other_reporter"], stance="agrees", text=" ")
    workflow.answer(a, cycle["other_reporter"], stance="agrees", text="认可")
    with pytest.raises(workflow.AttributionError, match="状态不能进行这一步"):
        workflow.answer(a, cycle["other_head"], stance="disputes", text="不认可")
    a.refresh_from_db()
    assert (a.stance, a.answered_by) == ("agrees", cycle["other_reporter"])


# The decision -----------------------------------------------------------------------------


def test_the_office_accepts_by_overriding_the_months_rating_with_the_attribution(cycle, units):
    a = answered(cycle, units)
    (before,) = [r for r in rate_month(JUNE) if r.task == "T-1"]
    assert before.rating == "snail"  # not reported
    done = workflow.accept(a, cycle["office"], rating="ostrich", decision="资金拨付滞后属实")
    a = done.attribution
    assert (a.state, a.rating, done.needs_correction) == ("accepted", "ostrich", False)
    override = Override.objects.get()
    assert a.override == override and (override.computed, override.rating) == ("snail", "ostrich")
    assert override.reason.startswith(PREFIX)
    assert "（配合单位市财政局）" in override.reason and "资金拨付滞后属实" in override.reason
    (after,) = [r for r in rate_month(JUNE) if r.task == "T-1"]
    assert (after.rating, after.computed) == ("ostrich", "snail")  # SPEC §2 unchanged
    assert actions()[-2:] == ["rating_overridden", "attribution_accepted"]
    row = next(t for t in build_board(JUNE)["tasks"] if t["task"] == "T-1")
    assert row["override"]["reason"] == override.reason  # lands in the next publication


def test_both_units_are_told_of_the_decision(cycle, units):
    a = answered(cycle, units)
    workflow.accept(a, cycle["office"], rating="ox", decision="属实")
    message = Message.objects.get(kind="attribution_decided")
    reached = set(Delivery.objects.filter(message=message).values_list("user__username", flat=True))
    assert reached == {"reporter", "head", "other_reporter", "other_head"}


def test_accepting_a_published_month_says_a_correction_is_needed_and_publishes_nothing(
    cycle, units
):
    publish(JUNE, now=JULY_10)
    a = answered(cycle, units)
    done = workflow.accept(a, cycle["office"], rating="ostrich", decision="属实")
    assert done.needs_correction
    entry = AuditEntry.objects.get(action="attribution_accepted")
    assert json.loads(entry.detail)["correction_needed"] is True
    from ducha.boards.models import Publication

    assert Publication.objects.count() == 1


def test_the_office_rejects_with_its_reasons_and_the_rating_stays(cycle, units):
    a = answered(cycle, units, stance="disputes")
    with pytest.raises(workflow.AttributionError):
        workflow.reject(a, cycle["office"], decision="  ")
    a = workflow.reject(a, cycle["office"], decision="配合单位已按期拨付").attribution
    assert (a.state, a.override) == ("rejected", None)
    assert not Override.objects.exists()
    assert actions()[-1] == "attribution_rejected"


def test_the_office_decides_only_once_the_co_unit_answered_and_only_once(cycle, units):
    a = claimed(cycle, units)
    with pytest.raises(workflow.AttributionError, match="状态不能进行这一步"):
        workflow.accept(a, cycle["office"], rating="ox", decision="x")
    workflow.answer(a, cycle["other_reporter"], stance="agrees", text="认可")
    workflow.accept(a, cycle["office"], rating="ox", decision="属实")
    for step in (
        lambda: workflow.accept(a, cycle["office"], rating="horse", decision="再次"),
        lambda: workflow.reject(a, cycle["office"], decision="再次"),
        lambda: workflow.answer(a, cycle["other_reporter"], stance="agrees", text="再次"),
    ):
        with pytest.raises(workflow.AttributionError, match="状态不能进行这一步"):
            step()
    assert Override.objects.count() == 1


@pytest.mark.parametrize("who", ["auditor", "reporter", "other_head", "leader"])
def test_nobody_but_the_office_decides(cycle, units, who):
    a = answered(cycle, units)
    with pytest.raises(PermissionDenied):
        workflow.accept(a, cycle[who], rating="ox", decision="x")
    with pytest.raises(PermissionDenied):
        workflow.reject(a, cycle[who], decision="x")
    a.refresh_from_db()
    assert a.state == "answered" and not Override.objects.exists()


def test_a_county_office_does_not_decide_a_city_attribution(cycle, units):
    from ducha.org.models import Jurisdiction

    county = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    clerk = User.objects.create_user("office-dc", role=User.Role.OFFICE, jurisdiction=county)
    a = answered(cycle, units)
    with pytest.raises(PermissionDenied):
        workflow.accept(a, clerk, rating="ox", decision="x")


def test_accepting_needs_one_of_the_four_marks_and_words(cycle, units):
    a = answered(cycle, units)
    with pytest.raises(workflow.AttributionError):
        workflow.accept(a, cycle["office"], rating="", decision="属实")
    with pytest.raises(workflow.AttributionError):
        workflow.accept(a, cycle["office"], rating="unicorn", decision="属实")
    with pytest.raises(workflow.AttributionError):
        workflow.accept(a, cycle["office"], rating="ox", decision="")
    a.refresh_from_db()
    assert a.state == "answered" and not Override.objects.exists()


def test_a_month_the_task_is_not_rated_in_cannot_be_accepted(cycle, units):
    # T-1's first node is due June 2021: in January 2020 it was not rated.
    a = claimed(cycle, units, month=dt.date(2020, 1, 1))
    workflow.answer(a, cycle["other_reporter"], stance="agrees", text="认可")
    with pytest.raises(workflow.AttributionError, match="不参与评价"):
        workflow.accept(a, cycle["office"], rating="ox", decision="属实")
    a.refresh_from_db()
    assert a.state == "answered"


# Scope ------------------------------------------------------------------------------------


def test_who_reads_an_attribution(cycle, units):
    a = claimed(cycle, units)
    readers = {
        name
        for name in (
            "office",
            "auditor",
            "reporter",
            "head",
            "other_reporter",
            "other_head",
            "leader",
        )
        if Attribution.objects.visible_to(cycle[name]).filter(pk=a.pk).exists()
    }
    # 赵明 leads T-1; 市财政局 was named; the lead unit claimed.
    assert readers == {
        "office",
        "auditor",
        "reporter",
        "head",
        "other_reporter",
        "other_head",
        "leader",
    }
    stranger = User.objects.create_user(
        "stranger", role=User.Role.REPORTER, unit=Unit.objects.create(name="市民政局")
    )
    assert not Attribution.objects.visible_to(stranger).exists()
