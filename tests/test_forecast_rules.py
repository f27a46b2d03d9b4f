"""The slippage forecast's rule, pure: what the end of month M-1 knew in, a likely ostrich or
snail with its reasons (or nothing) out."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ducha.forecast.rules import Known, Thresholds, forecast
from ducha.lib.months import index
from ducha.ratings.marks import NAMES
from ducha.ratings.rules import History, NodeFacts

JUNE = index(dt.date(2021, 6, 1))
MAY, APRIL, MARCH = JUNE - 1, JUNE - 2, JUNE - 3


def node(code="N1", due=JUNE + 3, title="制定方案"):
    return NodeFacts(code, title, due)


def moving(percent, status="in_progress"):
    """A node's history whose latest row says `percent`."""
    return History(None, percent, status, percent)


def known(nodes, history=None, earlier=None, ratings=(), month=JUNE, **more):
    return Known(
        code="T-1",
        nodes=tuple(nodes),
        month=month,
        history=history or {},
        earlier=earlier or {},
        ratings=tuple(ratings),
        **more,
    )


def codes(result):
    return [f.code for f in result.flags]


def test_it_flags_a_node_due_this_month_that_stood_low_last_month():
    result = forecast(known([node(due=JUNE)], {"N1": moving(30)}, {"N1": moving(10)}))
    assert codes(result) == ["due_low"]
    assert result.flags[0].text == "节点N1「制定方案」本月到期，上月进度仅30%"
    assert result.likely == "ostrich"  # it has been moving


def test_it_does_not_flag_a_node_due_this_month_that_is_well_along():
    assert forecast(known([node(due=JUNE)], {"N1": moving(40)}, {"N1": moving(10)})) is None


def test_a_node_due_this_month_never_started_is_a_likely_snail():
    result = forecast(known([node(due=JUNE)]))
    assert codes(result) == ["due_low"]
    assert result.flags[0].text == "节点N1「制定方案」本月到期，上月仍未启动"
    assert result.likely == "snail"


def test_nothing_is_flagged_in_the_tasks_first_month_for_want_of_any_report():
    assert forecast(known([node(due=JUNE)], start=JUNE)) is None


def test_it_flags_an_overdue_node_and_names_it():
    result = forecast(known([node(due=APRIL)], {"N1": moving(60)}, {"N1": moving(20)}))
    assert codes(result) == ["overdue"]
    assert result.flags[0].text == (
        "节点N1「制定方案」应于2021年4月完成，至2021年5月底仍未完成（进度60%）"
    )
    assert dict(result.flags[0].args)["due"] == "2021-04"
    assert result.likely == "ostrich"  # overdue but moving: §2 says ostrich if it moves on


def test_an_overdue_node_that_stood_still_is_a_likely_snail():
    result = forecast(known([node(due=APRIL)], {"N1": moving(60)}, {"N1": moving(60)}))
    assert codes(result) == ["overdue", "still"]
    assert result.flags[1].text == "节点N1「制定方案」连续2个月进度没有变化（60%）"
    assert result.likely == "snail"


def test_it_flags_a_started_node_without_change_for_two_months():
    result = forecast(known([node(due=JUNE + 4)], {"N1": moving(30)}, {"N1": moving(30)}))
    assert codes(result) == ["still"]
    assert result.likely == "ostrich"  # not due: §2 rates it ox at worst if it moves


def test_a_node_not_yet_started_and_not_yet_due_is_not_stalled():
    assert forecast(known([node(due=JUNE + 4)])) is None


def test_it_flags_a_history_of_ostriches_and_snails():
    result = forecast(known([node()], {"N1": moving(30)}, ratings=("ostrich", "snail")))
    assert codes(result) == ["history"]
    assert result.flags[0].text == f"近2个月中有2个月被评为{NAMES['ostrich']}或{NAMES['snail']}"
    assert forecast(known([node()], {"N1": moving(30)}, ratings=("ox", "snail"))) is None


def test_the_thresholds_are_the_callers():
    facts = known([node(due=JUNE)], {"N1": moving(45)}, {"N1": moving(10)})
    assert forecast(facts) is None
    assert codes(forecast(facts, Thresholds(low_percent=50))) == ["due_low"]


def test_a_task_not_rated_next_month_is_never_flagged():
    done = History(MARCH, 100, "done", 100)
    assert forecast(known([node(due=APRIL)], {"N1": done}, ratings=("snail", "snail"))) is None
    assert forecast(known([node(due=APRIL)], status="suspended")) is None
    assert forecast(known([node(due=JUNE)], start=JUNE + 1)) is None


statuses = st.sampled_from(["not_started", "in_progress", "done"])
ratings = st.sampled_from([None, "horse", "ox", "ostrich", "snail"])


@st.composite
def finished_tasks(draw):
    """A task whose every node was reported done before the month forecast, whatever else."""
    count = draw(st.integers(1, 4))
    nodes = [node(f"N{k}", draw(st.integers(JUNE - 8, JUNE + 6))) for k in range(count)]
    history = {
        n.code: History(draw(st.integers(JUNE - 8, MAY)), 100, "done", draw(st.integers(0, 100)))
        for n in nodes
    }
    earlier = {
        n.code: History(None, draw(st.integers(0, 100)), draw(statuses), None)
        for n in nodes
        if draw(st.booleans())
    }
    past = draw(st.lists(ratings, max_size=3))
    return known(nodes, history, earlier, past)


@given(finished_tasks())
def test_a_task_with_every_node_done_is_never_flagged(facts):
    assert forecast(facts) is None


@st.composite
def any_task(draw):
    count = draw(st.integers(1, 4))
    nodes = [node(f"N{k}", draw(st.integers(JUNE - 8, JUNE + 6))) for k in range(count)]

    def history():
        out = {}
        for n in nodes:
            if draw(st.booleans()):
                status = draw(statuses)
                percent = draw(st.integers(0, 100))
                done = draw(st.integers(JUNE - 8, MAY)) if status == "done" else None
                out[n.code] = History(done, percent, status, percent)
        return out

    return known(nodes, history(), history(), draw(st.lists(ratings, max_size=3)))


@given(any_task())
def test_every_flag_names_its_node_or_the_history_and_the_mark_is_a_slip(facts):
    result = forecast(facts)
    if result is None:
        return
    assert result.likely in ("ostrich", "snail")
    for flag in result.flags:
        if flag.code == "history":
            assert "近" in flag.text
        else:
            assert f"节点{dict(flag.args)['node']}" in flag.text
