"""A key project's month, rated by the ledger's own rules (ducha/ratings/rules.py).

Nothing is decided here: a project becomes a `TaskFacts` (its phases the nodes, a phase due
in its planned end's month, its phase progress the rows) and `rules.rate` rates it, so its
mark and reasons come out exactly as a task's would. The ORM side loads what the months
asked need in two queries, whatever the number of projects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from ducha.lib.months import add_months, first_of, index
from ducha.ratings import rules
from ducha.warmap.models import Phase, PhaseProgress, Project


def facts_of(project: Project, phases: Iterable[Phase], rows: Iterable[PhaseProgress]):
    """The project as the rules see a task (`rows` need `phase_id`, `month`, `status` and
    `percent`; those of other phases are ignored)."""
    phases = list(phases)
    codes = {p.pk: p.code for p in phases}
    return _facts(
        project.code,
        project.start_month,
        project.status,
        [(p.code, p.title, p.planned_end) for p in phases],
        [(codes[r.phase_id], r.month, r.status, r.percent) for r in rows if r.phase_id in codes],
    )


def _facts(code, start, status, phases, rows) -> rules.TaskFacts:
    return rules.TaskFacts(
        code=code,
        nodes=tuple(rules.NodeFacts(c, title, index(end)) for c, title, end in phases),
        rows=tuple(rules.Row(c, index(month), s, percent) for c, month, s, percent in rows),
        start=index(start) if start else None,
        status=status,
    )


def rate(facts: rules.TaskFacts, month: dt.date) -> rules.Result:
    """The project's rating for `month`: the rules' first rule that applies, with reasons."""
    return rules.rate(facts, index(month))


def load(
    projects: Iterable[Project], up_to: dt.date, phases_loaded: Iterable[Phase] | None = None
) -> dict[int, rules.TaskFacts]:
    """{project id: its facts}, with the progress rows of the months up to `up_to` (later
    ones never change an earlier month's rating): two queries, one when the page has
    loaded the projects' phases already (`phases_loaded`, in their order)."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    if phases_loaded is None:
        found = (
            Phase.objects.filter(project_id__in=ids)
            .order_by("project_id", "order", "code")
            .values_list("pk", "project_id", "code", "title", "planned_end")
        )
    else:
        found = [(p.pk, p.project_id, p.code, p.title, p.planned_end) for p in phases_loaded]
    phases: dict[int, list[tuple]] = defaultdict(list)
    codes: dict[int, str] = {}
    for pk, project_id, code, title, end in found:
        phases[project_id].append((code, title, end))
        codes[pk] = code
    rows: dict[int, list[tuple]] = defaultdict(list)
    for project_id, phase_id, month, status, percent in (
        PhaseProgress.objects.filter(project_id__in=ids, month__lte=first_of(up_to))
        .order_by()
        .values_list("project_id", "phase_id", "month", "status", "percent")
    ):
        rows[project_id].append((codes[phase_id], month, status, percent))
    return {
        p.pk: _facts(p.code, p.start_month, p.status, phases[p.pk], rows[p.pk]) for p in projects
    }


def year_to_date(month: dt.date) -> list[dt.date]:
    """January of `month`'s year up to `month`: the months a ranking counts."""
    return [add_months(month, -n) for n in range(month.month - 1, -1, -1)]


def reported(facts: rules.TaskFacts, month: dt.date) -> bool:
    """Some phase has a row for `month`."""
    m = index(month)
    return any(row.month == m for row in facts.rows)


def expected(facts: rules.TaskFacts, month: dt.date) -> bool:
    """The project must report `month`: exactly when it is rated in it (rules.not_rated)."""
    return rules.not_rated(rules.summarize(facts, index(month))) is None
