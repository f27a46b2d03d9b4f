"""The four-colour rules (SPEC.md §2): examples, then properties over generated tasks."""

import dataclasses

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ducha.ratings.rules import (
    RATINGS,
    NodeFacts,
    Row,
    TaskFacts,
    month_index,
    node_states,
    rate,
    summarize,
)

JAN = 2021 * 12  # January 2021
MAR, MAY, JUN = JAN + 2, JAN + 4, JAN + 5


def task(*nodes, rows=(), start=None, status="active"):
    return TaskFacts("T-1", tuple(nodes), tuple(rows), start, status)


N1 = NodeFacts("N1", "制定实施方案", MAY)
N2 = NodeFacts("N2", "出台配套政策", JUN)


def test_a_task_that_did_not_report_is_a_snail():
    result = rate(task(N1), MAR)
    assert result.rating == "snail"
    assert [r.code for r in result.reasons] == ["not_reported"]


def test_a_reported_task_with_nothing_due_is_an_ox():
    assert rate(task(N1, rows=[Row("N1", MAR, "in_progress", 20)]), MAR).rating == "ox"


def test_a_node_finished_before_its_due_month_is_a_horse():
    result = rate(task(N1, N2, rows=[Row("N1", MAR, "done")]), MAR)
    assert result.rating == "horse"
    assert result.reasons[0].text == "节点N1「制定实施方案」计划2021年5月完成，2021年3月提前完成"


def test_a_node_finished_after_its_due_month_is_an_ostrich():
    later = NodeFacts("N3", "完成试点", JUN + 2)
    rows = [Row("N1", JUN, "done"), Row("N3", JUN, "in_progress", 50)]
    result = rate(task(N1, later, rows=rows), JUN)
    assert result.rating == "ostrich"
    assert result.reasons[0].code == "late"


def test_an_overdue_node_with_progress_is_an_ostrich_and_without_is_a_snail():
    before = Row("N1", MAY, "in_progress", 40)
    moving = task(N1, N2, rows=[before, Row("N1", JUN, "in_progress", 60)])
    stuck = task(N1, N2, rows=[before, Row("N1", JUN, "in_progress", 40)])
    assert rate(moving, JUN).rating == "ostrich"
    stalled = rate(stuck, JUN)
    assert stalled.rating == "snail"
    assert stalled.reasons[0].text == "节点N1「制定实施方案」应于2021年5月完成，至2021年6月底未完成"
    assert stalled.reasons[-1].code == "no_progress"


def test_starting_a_node_counts_as_progress():
    rows = [Row("N1", MAY, "not_started"), Row("N1", JUN, "in_progress")]
    assert rate(task(N1, rows=rows), JUN).rating == "ostrich"


def test_done_on_time_is_an_ox():
    assert rate(task(N1, N2, rows=[Row("N1", MAY, "done")]), MAY).rating == "ox"


def test_a_task_is_not_rated_before_its_start_or_after_everything_is_done():
    assert rate(task(N1, start=JUN), MAY).rating is None
    done = task(N1, rows=[Row("N1", MAR, "done")])
    assert rate(done, MAR).rating == "horse"
    assert rate(done, MAR + 1).rating is None
    assert rate(task(N1, status="suspended"), MAR).rating is None


def test_the_default_start_is_january_of_the_first_due_year():
    later = task(NodeFacts("N1", "x", (2022 * 12) + 5))
    assert rate(later, JAN + 11).rating is None
    assert rate(later, 2022 * 12).rating == "snail"


def test_a_done_node_is_never_undone_by_a_later_row():
    rows = [
        Row("N1", MAR, "done"),
        Row("N1", MAY, "in_progress", 10),
        Row("N2", MAY, "in_progress"),
    ]
    states = {s.code: s for s in node_states(summarize(task(N1, N2, rows=rows), MAY))}
    assert states["N1"].status == "done" and states["N1"].done == MAR
    assert rate(task(N1, N2, rows=rows), MAY).rating == "ox"


# --- properties ---------------------------------------------------------------------------

MONTHS = st.integers(min_value=JAN, max_value=JAN + 14)
STATUSES = st.sampled_from(["not_started", "in_progress", "done"])


@st.composite
def tasks(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    nodes = tuple(NodeFacts(f"N{i}", f"节点{i}", draw(MONTHS)) for i in range(1, count + 1))
    cells = draw(
        st.lists(
            st.tuples(st.sampled_from([n.code for n in nodes]), MONTHS),
            unique=True,
            max_size=20,
        )
    )
    rows = []
    for node, month in cells:
        status = draw(STATUSES)
        percent = draw(st.none() | st.integers(0, 100)) if status == "in_progress" else None
        rows.append(Row(node, month, status, percent))
    start = draw(st.none() | MONTHS)
    status = draw(st.sampled_from(["active"] * 8 + ["suspended", "cancelled"]))
    return TaskFacts("T-1", nodes, tuple(rows), start, status)


def _without(t, predicate):
    return dataclasses.replace(t, rows=tuple(r for r in t.rows if not predicate(r)))


@given(tasks(), MONTHS)
def test_the_rating_of_a_month_never_depends_on_later_rows(t, month):
    assert rate(t, month) == rate(_without(t, lambda r: r.month > month), month)


@given(tasks(), st.data())
def test_adding_a_row_never_turns_a_reported_month_into_not_reported(t, data):
    assume(t.rows)
    month = data.draw(st.sampled_from([r.month for r in t.rows]))  # a reported month
    before = rate(t, month)
    assert before.rating is None or before.reasons[0].code != "not_reported"
    free = [
        (n.code, m)
        for n in t.nodes
        for m in range(JAN, JAN + 15)
        if (n.code, m) not in {(r.node, r.month) for r in t.rows}
    ]
    assume(free)
    node, m = data.draw(st.sampled_from(free))
    extra = Row(node, m, data.draw(STATUSES), None)
    after = rate(dataclasses.replace(t, rows=(*t.rows, extra)), month)
    assert after.rating is None or after.reasons[0].code != "not_reported"


@given(tasks(), MONTHS)
def test_the_order_of_rows_does_not_matter(t, month):
    assert rate(t, month) == rate(dataclasses.replace(t, rows=tuple(reversed(t.rows))), month)


@given(tasks(), MONTHS)
def test_every_rating_is_one_of_four_or_none_and_always_has_a_reason(t, month):
    result = rate(t, month)
    assert result.rating is None or result.rating in RATINGS
    assert result.reasons and all(r.text for r in result.reasons)


@given(tasks(), MONTHS)
def test_a_rating_is_given_exactly_when_spec_says_the_task_is_rated(t, month):
    done = {}
    for r in t.rows:
        if r.status == "done" and r.month <= month:
            done[r.node] = min(r.month, done.get(r.node, r.month))
    start = t.start if t.start is not None else min(n.due for n in t.nodes) // 12 * 12
    rated = (
        t.status == "active"
        and month >= start
        and not all(n.code in done and done[n.code] < month for n in t.nodes)
    )
    assert (rate(t, month).rating is not None) == rated


@given(tasks(), MONTHS)
def test_the_first_applicable_rule_decides(t, month):
    result = rate(t, month)
    assume(result.rating is not None)
    reported = any(r.month == month for r in t.rows)
    done = {}
    for r in t.rows:
        if r.status == "done" and r.month <= month:
            done[r.node] = min(r.month, done.get(r.node, r.month))
    overdue = [n for n in t.nodes if n.due <= month and n.code not in done]
    late = [n for n in t.nodes if done.get(n.code) == month and n.due < month]
    early = [n for n in t.nodes if done.get(n.code) == month and n.due > month]
    if not reported:
        assert result.rating == "snail"
    elif overdue:
        assert result.rating in ("ostrich", "snail")
        overdue_texts = [r.text for r in result.reasons if r.code == "overdue"]
        assert len(overdue_texts) == len(overdue)
        assert all(
            f"节点{n.code}「" in text for n, text in zip(overdue, overdue_texts, strict=True)
        )
    elif late:
        assert result.rating == "ostrich"
    elif early:
        assert result.rating == "horse"
    else:
        assert result.rating == "ox"


@given(tasks(), MONTHS)
def test_finishing_every_open_node_this_month_is_never_a_snail(t, month):
    open_nodes = [
        n.code
        for n in t.nodes
        if not any(r.node == n.code and r.status == "done" and r.month < month for r in t.rows)
    ]
    rows = [r for r in t.rows if r.month != month] + [
        Row(code, month, "done") for code in open_nodes
    ]
    result = rate(dataclasses.replace(t, rows=tuple(rows)), month)
    assert result.rating != "snail"


@settings(max_examples=50)
@given(st.dates())
def test_month_index_orders_like_dates(day):
    assert month_index(day) == day.year * 12 + day.month - 1
