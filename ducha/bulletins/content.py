"""What the monthly 通报 and the year's 盘点 say, as plain data: the facts of a month (or a
year) read in a few bulk queries, then the document in the office's register — its 红头,
number, title, addressee, numbered sections of paragraphs, tables and figures, and the
issuing office with the date. The Word file (docx.py) and the PDF (pdf.py) both render one
`Document`, so they say the same thing.

Every count of marks is read from the published boards (the latest version of each month),
never recomputed: the 通报 and the board cannot disagree. Always in Chinese: a document is
the record, whoever reads the site in English.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from ducha.assessment.policy import policy_of
from ducha.assessment.scores import scores
from ducha.boards.league import below as jurisdictions_below
from ducha.boards.publication import lead_units, posted
from ducha.forecast.slips import Slip, likely_slips
from ducha.lib import clock
from ducha.lib.months import add_months, format_day_zh, format_month, format_month_zh, month_end
from ducha.org.models import Jurisdiction
from ducha.ratings.marks import MARKS, NOT_RATED, movement
from ducha.ratings.scoring import Score
from ducha.reports import workflow
from ducha.reports.models import Report
from ducha.stats.charts import Chart, month_charts, year_charts
from ducha.supervision.models import Notice

NUMERALS = "一二三四五六七八九十"


class BulletinError(Exception):
    pass


# The document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class Figure:
    number: int
    title: str
    svg: str
    png: bytes

    @property
    def caption(self) -> str:
        return f"图{self.number}　{self.title}"


Block = str | Table | Figure  # a str is a paragraph


@dataclass(frozen=True)
class Section:
    heading: str  # without its number: the document numbers the sections it prints
    blocks: list[Block]


@dataclass(frozen=True)
class Document:
    masthead: str  # 红头: the issuing office, in red over a red rule
    number: str
    title: str
    addressee: str
    opening: list[str]
    sections: list[Section]
    closing: list[str]
    office: str
    date: str
    filename: str  # without its suffix

    @property
    def numbered(self) -> list[tuple[str, Section]]:
        """The sections with their Chinese numbers (一、二、…), empty ones left out."""
        kept = [s for s in self.sections if s.blocks]
        return [(f"{NUMERALS[i]}、{s.heading}", s) for i, s in enumerate(kept)]

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]


# Where a document is issued ----------------------------------------------------------------


def _place(jurisdiction: Jurisdiction) -> str:
    """How a document names its whole jurisdiction: 全市, 全县, 全区, 全省."""
    if jurisdiction.level == Jurisdiction.Level.COUNTY:
        return f"全{jurisdiction.name[-1]}"
    return "全省" if jurisdiction.level == Jurisdiction.Level.PROVINCE else "全市"


def _addressee(jurisdiction: Jurisdiction) -> str:
    if jurisdiction.level == Jurisdiction.Level.COUNTY:
        word = jurisdiction.name[-1]
        return f"各乡镇（街道），{word}直各有关部门（单位）："
    return "各县（市、区）委改革办，市直各有关部门（单位）："


def _number(year: int) -> str:
    return f"{settings.DUCHA_BULLETIN_PREFIX}〔{year}〕　号（签发时编号）"


def _rows_by_mark(rows: list[dict]) -> Counter:
    return Counter(r["rating"] for r in rows)


def _units(row: dict) -> str:
    return "、".join(lead_units(row))


def _reasons(row: dict) -> str:
    return "；".join(r["text"] for r in row.get("reasons") or ())


# The month ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkCount:
    key: str
    name: str
    colour: str
    count: int
    before: int | None  # last month's board (None: not published)

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.count - self.before


@dataclass(frozen=True)
class UnitTasks:
    unit: str
    tasks: list[str]  # task codes


@dataclass(frozen=True)
class NoticeLine:
    number: str
    task: str
    unit: str
    issued_on: dt.date
    state: str


@dataclass(frozen=True)
class Due:
    unit: str
    nodes: list[str]  # 「T-1 节点N1 目标」


@dataclass(frozen=True)
class MonthFacts:
    jurisdiction: Jurisdiction
    month: dt.date
    version: int  # of the board read
    total: int
    counts: list[MarkCount]  # the four marks, then "not rated"
    moved_up: int
    moved_down: int
    previous_published: bool
    horses: list[dict]  # board rows
    snails: list[dict]
    missing: list[UnitTasks]  # units whose tasks were not reported (rated 未报送)
    late: list[UnitTasks]  # units whose reports came after the deadline
    notices: list[NoticeLine]
    next_deadline: dt.date
    due_next: list[Due]
    slips: list[Slip]  # next month's watch list
    charts: list[Chart]


def month_facts(month: dt.date, jurisdiction: Jurisdiction | None = None) -> MonthFacts:
    """The facts of a published month, from its board's latest version: a handful of queries."""
    place = Jurisdiction.objects.resolve(jurisdiction)
    chain = None if place.home else place
    board = posted(month, jurisdiction=chain)
    if board is None:
        raise BulletinError(
            f"{'' if place.home else place.name}{format_month_zh(month)}的“四色”督查公示"
            "尚未发布，不能起草通报：请先发布该月公示"
        )
    rows = board["tasks"]
    before_board = posted(add_months(month, -1), jurisdiction=chain)
    before = {r["task"]: r["rating"] for r in before_board["tasks"]} if before_board else {}
    now, then = _rows_by_mark(rows), Counter(before.values())
    counts = [
        MarkCount(m.key, m.name, m.colour, now[key], then[key] if before_board else None)
        for key, m in MARKS.items()
    ]
    counts.append(
        MarkCount(
            NOT_RATED.key, NOT_RATED.name, "", now[None], then[None] if before_board else None
        )
    )
    moves = Counter(
        movement(before.get(r["task"]), r["rating"], r["task"] in before)
        for r in rows
        if before_board
    )
    missing: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if any(x["code"] == "not_reported" for x in r.get("reasons") or ()):
            missing[r["lead_unit"]].append(r["task"])
    late: dict[str, list[str]] = defaultdict(list)
    for unit, code in (
        Report.objects.filter(month=month, late=True, task__jurisdiction=place)
        .order_by("unit__name", "task__code")
        .values_list("unit__name", "task__code")
    ):
        late[unit].append(code)
    after = add_months(month, 1)
    due: dict[str, list[str]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["task"]):
        if r.get("status", "active") != "active":
            continue
        for n in r.get("nodes") or ():
            if n["due"] == format_month(after) and n["status"] != "done":
                due[r["lead_unit"]].append(f"{r['task']} 节点{n['code']}「{n['title']}」")
    return MonthFacts(
        jurisdiction=place,
        month=month,
        version=board.get("version", 1),
        total=len(rows),
        counts=counts,
        moved_up=moves["up"],
        moved_down=moves["down"],
        previous_published=before_board is not None,
        horses=sorted((r for r in rows if r["rating"] == "horse"), key=lambda r: r["task"]),
        snails=sorted((r for r in rows if r["rating"] == "snail"), key=lambda r: r["task"]),
        missing=[UnitTasks(u, codes) for u, codes in sorted(missing.items())],
        late=[UnitTasks(u, codes) for u, codes in sorted(late.items())],
        notices=_notices(place, month, month_end(month)),  # issued in the month
        next_deadline=workflow.deadline(after, jurisdiction=place),
        due_next=[Due(u, nodes) for u, nodes in sorted(due.items())],
        slips=likely_slips(after, jurisdiction=chain),
        charts=month_charts(month, jurisdiction=chain),
    )


def _notices(place: Jurisdiction, first: dt.date, last: dt.date) -> list[NoticeLine]:
    found = (
        Notice.objects.filter(jurisdiction=place, issued_on__range=(first, last))
        .exclude(state=Notice.State.DRAFT)
        .select_related("task", "unit")
        .order_by("issued_on", "year", "number")
    )
    return [
        NoticeLine(
            n.document_number,
            f"{n.task.code} {n.task.title}",
            n.unit.name,
            n.issued_on,
            str(n.get_state_display()),
        )
        for n in found
    ]


def _change(c: MarkCount) -> str:
    if c.change is None:
        return "—"
    return f"+{c.change}" if c.change > 0 else str(c.change)


def bulletin(month: dt.date, jurisdiction: Jurisdiction | None = None) -> Document:
    """The 通报 of a published month, drafted for the office to edit and issue."""
    with translation.override(settings.LANGUAGE_CODE):  # the forecast's reasons too
        return _bulletin(month, jurisdiction)


def _bulletin(month: dt.date, jurisdiction: Jurisdiction | None) -> Document:
    f = month_facts(month, jurisdiction)
    place = f.jurisdiction
    month_zh = f"{month.year}年{month.month}月"
    marks = f.counts[:4]
    rated = sum(c.count for c in marks)
    unrated = f.counts[4].count
    spread = "、".join(f"{c.name}（{c.colour}）{c.count}项" for c in marks)
    overview = [
        f"{month_zh}，{_place(place)}共有改革任务{f.total}项，其中参与当月评价{rated}项"
        f"{f'、不参与评价{unrated}项' if unrated else ''}。经月度调度，评为{spread}。"
    ]
    if f.previous_published:
        changes = "，".join(
            f"{c.name}{'增加' if c.change > 0 else '减少'}{abs(c.change)}项"
            for c in marks
            if c.change
        )
        overview.append(
            f"与上月相比，{changes or '各等次数量持平'}；"
            f"等次上升{f.moved_up}项、下降{f.moved_down}项。"
        )
    table = Table(
        ("等次", "本月（项）", "上月（项）", "增减"),
        [
            (
                f"{c.name}（{c.colour}）" if c.colour else c.name,
                str(c.count),
                "—" if c.before is None else str(c.before),
                _change(c),
            )
            for c in f.counts
        ]
        + [("合计", str(f.total), "—", "—")],
    )
    horse, snail = MARKS["horse"], MARKS["snail"]
    named = []
    if f.horses:
        named += [
            f"评为{horse.name}（{horse.meaning}）的任务{len(f.horses)}项，予以通报表扬：",
            _task_table(f.horses),
        ]
    if f.snails:
        named += [
            f"评为{snail.name}（{snail.meaning}）的任务{len(f.snails)}项，予以通报批评，"
            "请牵头单位认真查找原因、限期整改：",
            _task_table(f.snails),
        ]
    reporting = []
    if f.missing or f.late:
        parts = [
            *([f"{len(f.missing)}个单位有任务未报送月度进展"] if f.missing else []),
            *([f"{len(f.late)}个单位逾期报送"] if f.late else []),
        ]
        reporting.append(f"截至报送截止日期，{'、'.join(parts)}，请相关单位严格落实月报制度：")
        lines: dict[str, list[str]] = defaultdict(lambda: ["", ""])
        for u in f.missing:
            lines[u.unit][0] = "、".join(u.tasks)
        for u in f.late:
            lines[u.unit][1] = "、".join(u.tasks)
        reporting.append(
            Table(
                ("单位", "未报送的任务", "逾期报送的任务"),
                [(unit, a or "—", b or "—") for unit, (a, b) in sorted(lines.items())],
            )
        )
    notices = []
    if f.notices:
        notices = [
            f"{month_zh}，共签发督办通知{len(f.notices)}件：",
            Table(
                ("文号", "任务", "主送单位", "签发日期", "办理情况"),
                [
                    (n.number, n.task, n.unit, format_day_zh(n.issued_on), n.state)
                    for n in f.notices
                ],
            ),
        ]
    after = add_months(month, 1)
    due = [
        f"{after.year}年{after.month}月份月度进展请于{format_day_zh(f.next_deadline)}前报送。"
        + (
            f"下月共有{sum(len(d.nodes) for d in f.due_next)}个节点到期，"
            "请牵头单位对照时限抓好落实："
            if f.due_next
            else ""
        )
    ]
    if f.due_next:
        due.append(
            Table(
                ("牵头单位", "节点数", "到期节点"),
                [(d.unit, str(len(d.nodes)), "；".join(d.nodes)) for d in f.due_next],
            )
        )
    watch = []
    if f.slips:
        watch = [
            f"根据进展情况研判，以下{len(f.slips)}项任务下月存在进展滞后风险，请牵头单位提前调度、"
            "加快推进：",
            Table(
                ("任务编号", "任务", "牵头单位", "预警等次", "研判依据"),
                [
                    (
                        s.task_code,
                        s.task_title,
                        s.lead_unit,
                        MARKS[s.likely].name,
                        "；".join(text for _code, text in s.reasons),
                    )
                    for s in f.slips
                ],
            ),
        ]
    figures = [Figure(i, c.title, c.svg, c.png) for i, c in enumerate(f.charts, 1)]
    office = place.reform_office
    return Document(
        masthead=office,
        number=_number(after.year),
        title=f"关于{month_zh}份{_place(place)}改革任务推进情况的通报",
        addressee=_addressee(place),
        opening=[
            f"根据改革任务“月调度、月公示”工作安排，现将{month_zh}份{_place(place)}改革任务"
            f"推进情况通报如下（依据{format_month_zh(month)}“四色”督查公示第{f.version}版）。"
        ],
        sections=[
            Section("总体情况", [*overview, table]),
            Section("表扬和批评", named),
            Section("月度进展报送情况", reporting),
            Section("督办情况", notices),
            Section("下月工作安排", [*due, *watch]),
            Section("图表", list(figures)),
        ],
        closing=[
            "请各牵头单位对照本通报，巩固成绩、补齐短板，压紧压实改革责任，"
            "确保各项改革任务按期保质完成。"
        ],
        office=office,
        date=format_day_zh(clock.today()),
        filename=f"{'' if place.home else place.name}{month_zh}改革任务推进情况通报",
    )


def _task_table(rows: list[dict]) -> Table:
    return Table(
        ("任务编号", "任务", "牵头单位", "评价依据"),
        [(r["task"], r["title"], _units(r), _reasons(r)) for r in rows],
    )


# The year ----------------------------------------------------------------------------------

# Sections later issues add to the 盘点 (meetings, pilots, suggestions: issue 13): each is a
# function of (year, jurisdiction or None) giving a Section, or None when it has nothing to
# say. An app appends its own in its AppConfig.ready(); none is printed empty.
YEAR_SECTIONS: list[Callable[[int, Jurisdiction | None], Section | None]] = []


@dataclass(frozen=True)
class MonthLine:
    month: dt.date
    version: int
    counts: dict  # rating key (None: not rated) → count


@dataclass(frozen=True)
class AreaLine:
    area: str
    provincial: int
    city: int

    @property
    def total(self) -> int:
        return self.provincial + self.city


@dataclass(frozen=True)
class YearFacts:
    jurisdiction: Jurisdiction
    year: int
    months: list[MonthLine]  # the year's published months, in order
    unpublished: list[dt.date]  # its ended months not published (yet)
    tasks: int
    areas: list[AreaLine]
    nodes_planned: int  # due in the year
    nodes_done: int  # of those, done by the year's last published month
    nodes_on_time: int  # done no later than due
    nodes_by_month: list[tuple[dt.date, int, int]]  # (month, due then, done then)
    units: list[Score]  # those below the minimum last, unranked
    counties: list[Score]
    minimum: int  # rated task-months a unit needs to be ranked (assessment/policy.py)
    notices: list[NoticeLine]
    charts: list[Chart]


def year_facts(year: int, jurisdiction: Jurisdiction | None = None) -> YearFacts:
    place = Jurisdiction.objects.resolve(jurisdiction)
    chain = None if place.home else place
    today = clock.today()
    ended = [
        dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) < today.replace(day=1)
    ]
    boards = [(m, posted(m, jurisdiction=chain)) for m in ended]
    months = [
        MonthLine(m, b.get("version", 1), dict(_rows_by_mark(b["tasks"]))) for m, b in boards if b
    ]
    if not months:
        raise BulletinError(
            f"{'' if place.home else place.name}{year}年还没有已发布的月度公示，不能生成年度盘点"
        )
    last = next(b for _m, b in reversed(boards) if b)
    minimum = policy_of(place).minimum
    rows = last["tasks"]
    areas: dict[str, Counter] = {}
    for r in sorted(rows, key=lambda r: (r.get("area_order", 0), r["area"])):
        areas.setdefault(r["area"], Counter())[r["source"]] += 1
    planned = done = on_time = 0
    due_in: Counter = Counter()
    done_in: Counter = Counter()
    for r in rows:
        for n in r.get("nodes") or ():
            if not n["due"].startswith(f"{year}-"):
                continue
            planned += 1
            due_in[n["due"]] += 1
            if n["done"]:
                done += 1
                on_time += n["done"] <= n["due"]
                if n["done"].startswith(f"{year}-"):
                    done_in[n["done"]] += 1
    return YearFacts(
        jurisdiction=place,
        year=year,
        months=months,
        unpublished=[m for m, b in boards if b is None],
        tasks=len(rows),
        areas=[AreaLine(a, c["省定"], c["市定"]) for a, c in areas.items()],
        nodes_planned=planned,
        nodes_done=done,
        nodes_on_time=on_time,
        nodes_by_month=[
            (m, due_in[format_month(m)], done_in[format_month(m)])
            for m in (dt.date(year, k, 1) for k in range(1, 13))
        ],
        units=scores(year, jurisdiction=chain, minimum=minimum),
        counties=scores(year, by="county", jurisdiction=chain, minimum=minimum)
        if jurisdictions_below(chain)
        else [],
        minimum=minimum,
        notices=_notices(place, dt.date(year, 1, 1), dt.date(year, 12, 31)),
        charts=year_charts(year, jurisdiction=chain),
    )


def review(year: int, jurisdiction: Jurisdiction | None = None) -> Document:
    """The year's 盘点: the ledger, the nodes, the months' marks, the league tables, the
    notices, and whatever later issues add (YEAR_SECTIONS)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _review(year, jurisdiction)


def _review(year: int, jurisdiction: Jurisdiction | None) -> Document:
    f = year_facts(year, jurisdiction)
    place = f.jurisdiction
    whole = _place(place)
    by_source = Counter()
    for a in f.areas:
        by_source["省定"] += a.provincial
        by_source["市定"] += a.city
    ledger = [
        f"{year}年，{whole}改革任务台账共有任务{f.tasks}项，其中省定任务{by_source['省定']}项、"
        f"市定任务{by_source['市定']}项，分布在{len(f.areas)}个领域：",
        Table(
            ("领域", "省定（项）", "市定（项）", "合计（项）"),
            [(a.area, str(a.provincial), str(a.city), str(a.total)) for a in f.areas]
            + [("合计", str(by_source["省定"]), str(by_source["市定"]), str(f.tasks))],
        ),
    ]
    rate = f"{f.nodes_done * 100 / f.nodes_planned:.1f}%" if f.nodes_planned else "—"
    nodes = [
        f"全年计划完成节点{f.nodes_planned}个，已完成{f.nodes_done}个（完成率{rate}），"
        f"其中按期或提前完成{f.nodes_on_time}个。",
        Table(
            ("月份", "计划到期节点（个）", "当月完成节点（个）"),
            [(format_month_zh(m), str(a), str(b)) for m, a, b in f.nodes_by_month],
        ),
    ]
    keys = [*MARKS, None]
    heads = (*(f"{m.name}（{m.colour}）" for m in MARKS.values()), NOT_RATED.name)
    totals = Counter()
    for line in f.months:
        totals.update({k: line.counts.get(k, 0) for k in keys})
    distribution = [
        f"全年发布月度“四色”督查公示{len(f.months)}期"
        + (
            f"（{'、'.join(format_month_zh(m) for m in f.unpublished)}尚未发布）"
            if f.unpublished
            else ""
        )
        + "，各月评价结果如下：",
        Table(
            ("月份", *heads),
            [
                (format_month_zh(line.month), *(str(line.counts.get(k, 0)) for k in keys))
                for line in f.months
            ]
            + [("全年", *(str(totals[k]) for k in keys))],
        ),
    ]
    league = []
    if f.units:
        ranked = sum(s.rank is not None for s in f.units)
        league += [
            f"按月度评价结果计算，全年参与排名的牵头单位{ranked}个"
            + (
                f"（评价月次不足{f.minimum}个的{len(f.units) - ranked}个单位不参与排名，列于表末）"
                if ranked < len(f.units)
                else ""
            )
            + "：",
            _score_table(f.units, "单位"),
        ]
    if f.counties:
        league += [
            f"各县（市、区）按本级台账评价结果排名如下（{len(f.counties)}个）：",
            _score_table(f.counties, "县（市、区）"),
        ]
    notices = []
    if f.notices:
        states = Counter(n.state for n in f.notices)
        notices = [
            f"全年共签发督办通知{len(f.notices)}件（"
            + "、".join(f"{s}{k}件" for s, k in states.items())
            + "）：",
            Table(
                ("文号", "任务", "主送单位", "签发日期", "办理情况"),
                [
                    (n.number, n.task, n.unit, format_day_zh(n.issued_on), n.state)
                    for n in f.notices
                ],
            ),
        ]
    later = [s for s in (make(year, jurisdiction) for make in YEAR_SECTIONS) if s is not None]
    figures = [Figure(i, c.title, c.svg, c.png) for i, c in enumerate(f.charts, 1)]
    office = place.reform_office
    return Document(
        masthead=office,
        number=_number(year + 1),
        title=f"{year}年度{whole}改革任务推进情况盘点",
        addressee=_addressee(place),
        opening=[
            f"现将{year}年度{whole}改革任务推进情况盘点如下（依据{year}年各月“四色”督查公示"
            "的最新版本）。"
        ],
        sections=[
            Section("任务总体情况", ledger),
            Section("节点完成情况", nodes),
            Section("月度评价分布", distribution),
            Section("单位得分排名", league),
            Section("督办情况", notices),
            *later,
            Section("图表", list(figures)),
        ],
        closing=[],
        office=office,
        date=format_day_zh(clock.today()),
        filename=f"{'' if place.home else place.name}{year}年度改革任务推进情况盘点",
    )


def _score_table(rows: list[Score], who: str) -> Table:
    names = tuple(m.name for m in MARKS.values())
    return Table(
        ("名次", who, "得分", *names, "评价月次"),
        [
            (
                "—" if s.rank is None else str(s.rank),
                s.name,
                f"{s.score:.1f}",
                *(str(getattr(s, key)) for key in MARKS),
                str(s.rated),
            )
            for s in rows
        ],
    )
