"""The corpus of messy ledgers and progress files (issue 9): each file imports to exactly
what it says, field by field, or is refused with a message naming the sheet, row, column
and what to do — and nothing is written. A file accepted with a wrong value fails here."""

import re

import pytest

from ducha.ledger.importing import ImportFailed, NewNames, Options, import_ledger, import_progress
from ducha.ledger.models import CoLeader, CoUnit, ImportRun, JointLead, Node, Progress, Task
from ducha.lib.tabular import FileRefused
from ducha.org.models import Leader, Unit
from tests.corpus.ledgers import (
    BASE_LEDGER,
    LEDGER_CASES,
    PROGRESS_CASES,
    REQUIRED_TAGS,
    SEED_LEADERS,
    SEED_UNITS,
    N,
    P,
    Refused,
    T,
)

EXCEPTIONS = {"FileRefused": FileRefused, "ImportFailed": ImportFailed, "NewNames": NewNames}
SOURCES = {Task.Source.PROVINCIAL: "省定", Task.Source.CITY: "市定"}


@pytest.fixture
def seeded(db, areas):
    """The units and leaders an office's database already holds."""
    Unit.objects.bulk_create(Unit(name=n, kind=Unit.guess_kind(n)) for n in SEED_UNITS)
    Leader.objects.bulk_create(Leader(name=n, title=t) for n, t in SEED_LEADERS.items())


def snapshot():
    """Everything an import can write."""
    return {
        model.__name__: list(model.objects.values_list().order_by("pk"))
        for model in (Task, Node, CoUnit, JointLead, CoLeader, Unit, Leader, Progress, ImportRun)
    }


def stored_tasks() -> list[T]:
    return [
        T(
            code=task.code,
            area=task.area.name,
            title=task.title,
            source=SOURCES.get(task.source, task.source),
            leaders=tuple(task.leader_names()),
            lead_units=tuple(task.lead_unit_names()),
            co_units=tuple(task.co_unit_names()),
            nodes=tuple(N(n.code, n.title, f"{n.due_month:%Y-%m}") for n in task.nodes.all()),
        )
        for task in Task.objects.with_co_units().select_related("area", "leader", "lead_unit")
    ]


def stored_progress() -> list[P]:
    rows = Progress.objects.select_related("task", "node")
    return in_order(
        P(
            task=r.task.code,
            node=r.node.code,
            month=f"{r.month:%Y-%m}",
            status=r.status,
            done_on=r.done_on.isoformat() if r.done_on else None,
            percent=r.percent,
            note=r.note,
        )
        for r in rows
    )


def in_order(rows) -> list[P]:
    return sorted(rows, key=lambda p: (p.task, p.node, p.month))


def found(text: str, wanted) -> bool:
    """A substring, a pattern, or a tuple of alternatives (any one)."""
    if isinstance(wanted, tuple):
        return any(found(text, w) for w in wanted)
    if isinstance(wanted, re.Pattern):
        return wanted.search(text) is not None
    return wanted in text


def missing(text: str, wanted: tuple) -> list:
    return [w.pattern if isinstance(w, re.Pattern) else w for w in wanted if not found(text, w)]


def run(case, path):
    importer = import_ledger if case.kind == "ledger" else import_progress
    return importer(path, options=Options(**case.options))


@pytest.mark.parametrize("case", LEDGER_CASES + PROGRESS_CASES, ids=lambda c: c.name)
def test_each_file_imports_exactly_or_is_refused_saying_where_and_what_to_do(
    case, seeded, tmp_path
):
    if case.kind == "progress":
        import_ledger(BASE_LEDGER.write(tmp_path))
    path = case.write(tmp_path)
    before = snapshot()

    if isinstance(case.expect, Refused):
        expected = tuple(EXCEPTIONS[name] for name in case.expect.errors)
        try:
            summary = run(case, path)
        except expected as e:
            if isinstance(e, NewNames) and "NewNames" not in case.expect.errors:
                raise  # new names were not the problem this file has
            message = str(e)
            if isinstance(e, NewNames):
                assert sorted(e.names) == sorted(case.expect.names)
            assert not missing(message, case.expect.must), message
            assert snapshot() == before, "a refused file wrote to the database"
            return
        pytest.fail(
            f"{path.name} must be refused but was accepted:\n"
            + "\n".join(summary.lines())
            + f"\nstored tasks: {stored_tasks()}\nstored progress: {stored_progress()}"
        )

    summary = run(case, path)
    expect = case.expect
    lines = "\n".join(summary.lines())
    if expect.sheet is not None:
        assert summary.sheet == expect.sheet
        assert f"工作表「{expect.sheet}」" in lines, lines
    assert not missing(lines, expect.mentions), lines

    if case.kind == "ledger":
        assert stored_tasks() == sorted(expect.tasks, key=lambda t: t.code), lines
        # Nothing else was made: every unit, leader and link is accounted for.
        assert sorted(summary.new_units) == sorted(expect.new_units)
        assert sorted(summary.new_leaders) == sorted(expect.new_leaders)
        assert Unit.objects.count() == len(SEED_UNITS) + len(expect.new_units)
        assert Leader.objects.count() == len(SEED_LEADERS) + len(expect.new_leaders)
        assert Node.objects.count() == sum(len(t.nodes) for t in expect.tasks)
        assert CoUnit.objects.count() == sum(len(t.co_units) for t in expect.tasks)
        assert JointLead.objects.count() == sum(len(t.lead_units) - 1 for t in expect.tasks)
        assert CoLeader.objects.count() == sum(len(t.leaders) - 1 for t in expect.tasks)
        titles = {**SEED_LEADERS, **expect.leader_titles}
        named = {name for t in expect.tasks for name in t.leaders}
        assert {p.name: p.title for p in Leader.objects.filter(name__in=named)} == {
            name: titles[name] for name in named
        }
        assert Progress.objects.count() == 0
    else:
        assert stored_progress() == in_order(expect.progress), lines
        # The ledger is as the base file left it.
        for model in (Task, Node, CoUnit, JointLead, CoLeader, Unit, Leader):
            assert snapshot()[model.__name__] == before[model.__name__]


def test_the_corpus_has_at_least_30_ledgers_and_6_progress_files():
    assert len(LEDGER_CASES) >= 30
    assert len(PROGRESS_CASES) >= 6
    names = [c.name for c in [BASE_LEDGER, *LEDGER_CASES, *PROGRESS_CASES]]
    assert len(names) == len(set(names))


def test_the_corpus_covers_every_convention_the_issue_names():
    tags = {tag for case in LEDGER_CASES + PROGRESS_CASES for tag in case.tags}
    assert [t for t in REQUIRED_TAGS if t not in tags] == []


def test_every_refusal_in_the_corpus_asks_for_the_sheet_name():
    """A refusal expectation without the sheet would let a vague message pass."""
    for case in LEDGER_CASES + PROGRESS_CASES:
        sheets = getattr(case.file, "sheets", ())  # a CSV has none
        if isinstance(case.expect, Refused) and sheets and case.expect.errors != ("NewNames",):
            assert any(f"「{s.title}」" in case.expect.must for s in sheets), case.name
