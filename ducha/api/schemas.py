"""What the public endpoints of /api/v1/ answer: the public pages' data, typed.

Field names are English; values are as the record holds them: a board's words (areas,
units, reasons) are the Chinese of its snapshot, ratings and states are keys
(`horse`…`snail`, `not_started`…`done`), months are `YYYY-MM`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from ducha.api.pagination import Page

Rating = Literal["horse", "ox", "ostrich", "snail"]
NodeStatus = Literal["not_started", "in_progress", "done"]
Month = str  # YYYY-MM


class Jurisdiction(Schema):
    slug: str
    name: str
    level: Literal["province", "city", "county"]
    parent: str | None = Field(description="the slug of the jurisdiction above, if any")
    home: bool = Field(description="this server's own: the one / and /board/ show")


class JurisdictionPage(Page):
    items: list[Jurisdiction]


class Publication(Schema):
    """One link of a jurisdiction's chain: a version of a month's board, frozen."""

    seq: int = Field(description="place in the server's sequence of publications (all chains)")
    jurisdiction: str
    month: Month
    version: int
    kind: Literal["scheduled", "manual", "correction"]
    correction: str | None = Field(description="the reason of a correction")
    published_at: dt.datetime
    sha256: str = Field(description="SHA-256 of the board's canonical JSON")
    previous: str | None = Field(description="the hash of the one before it in its chain")
    board: str = Field(description="this version's board in this API")


class PublicationPage(Page):
    items: list[Publication]


class Reason(Schema):
    code: str
    text: str = Field(description="the sentence as published (Chinese)")


class NodeState(Schema):
    """A node as it stood at the end of the board's month."""

    code: str
    title: str
    due: Month
    status: NodeStatus
    percent: int | None
    done: Month | None = Field(description="the month it was done in")
    reported: bool = Field(description="the unit reported it that month")


class Override(Schema):
    rating: Rating | None
    computed: Rating | None = Field(description="the rating the rules gave")
    reason: str


class BoardRow(Schema):
    task: str
    title: str
    area: str
    source: str
    leaders: list[str]
    lead_units: list[str]
    co_units: list[str]
    status: Literal["active", "suspended", "cancelled"]
    rating: Rating | None = Field(description="null: not rated this month")
    mark: str = Field(description="the rating's name as the board shows it (also when not rated)")
    override: Override | None
    reasons: list[Reason]
    nodes: list[NodeState]


class UnitScore(Schema):
    unit: str
    score: float
    rank: int | None
    horse: int
    ox: int
    ostrich: int
    snail: int


class Board(Schema):
    """A month's board as published: every field from the snapshot its hash covers."""

    jurisdiction: str
    month: Month
    version: int
    kind: Literal["scheduled", "manual", "correction"]
    correction: str | None
    published_at: dt.datetime
    sha256: str
    previous: str | None
    count: int = Field(description="tasks on the board (before the filters)")
    tasks: list[BoardRow]
    units: list[UnitScore] = Field(description="the month's lead units, ranked")


class Published(Schema):
    """A task's mark on its jurisdiction's latest board."""

    month: Month
    version: int
    rating: Rating | None


class TaskSummary(Schema):
    code: str
    title: str
    area: str
    source: Literal["provincial", "city"]
    status: Literal["active", "suspended", "cancelled"]
    plan_year: int
    leaders: list[str]
    lead_units: list[str]
    latest: Published | None = Field(description="on the latest board; null if not on it")


class TaskPage(Page):
    items: list[TaskSummary]


class TaskNode(Schema):
    code: str
    title: str
    due: Month
    state: NodeState | None = Field(
        description="as the latest board that holds the task published it; null: never published"
    )


class HistoryEntry(Schema):
    month: Month
    version: int
    rating: Rating | None
    computed: Rating | None = Field(description="the rules' rating, where the office adjusted it")
    reason: str | None = Field(description="why the office adjusted it")


class Task(TaskSummary):
    jurisdiction: str
    requirements: str
    start_month: Month | None
    co_units: list[str]
    nodes: list[TaskNode]
    history: list[HistoryEntry] = Field(description="its mark on every board, latest versions")


class ScoreRow(Schema):
    name: str
    rank: int | None = Field(description="null: too few rated task-months to be ranked")
    score: float
    rated: int = Field(description="rated task-months")
    horse: int
    ox: int
    ostrich: int
    snail: int


class ScoreTable(Schema):
    jurisdiction: str
    year: int
    quarter: int | None
    by: Literal["unit", "area", "county"]
    minimum: int = Field(description="rated task-months needed to be ranked")
    months: list[Month] = Field(description="the published months counted")
    rows: list[ScoreRow]
