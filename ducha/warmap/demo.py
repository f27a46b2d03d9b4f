"""The demo's war map, seeded by ducha/demo/registers.py after the 2021 boards: the source's
13 command posts and 11 service teams, some seventy key projects under them with their phases
planned over 2021–2022, each month of 2021 reported phase by phase (some projects ahead,
most on time, some late, a few stalled or silent, so that 2021 is rated in all four marks),
and January 2022 half reported. A few projects are the demo reporter's unit's, left for him
to report January on /me/.

`plan()` draws it all without the database (seeded, so the same every time); `seed()` writes
it in bulk, once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from ducha.lib.months import first_of, from_index, index, month_end
from ducha.org.models import Jurisdiction, Leader, Unit, User
from ducha.warmap.models import (
    CommandPost,
    Phase,
    PhaseProgress,
    Project,
    ProjectMonth,
    ServiceTeam,
)
from ducha.warmap.workflow import actual_dates

FIRST = dt.date(2021, 1, 1)
LAST_2021 = dt.date(2021, 12, 1)
JANUARY = dt.date(2022, 1, 1)
PLAN_YEAR = 2022
CODE = "ZD2021-{:03d}"

# (command post, its commander, the units its projects fall to, its projects)
POSTS = (
    (
        "新旧动能转换重大项目指挥部",
        "邵建国",
        ("市发展改革委", "天衢新区", "德城区"),
        (
            "新能源汽车零部件产业园项目",
            "年产20万吨高性能纤维及制品项目",
            "智能装备制造基地项目",
            "新旧动能转换起步区标准厂房项目",
            "高端化工新材料一体化项目",
            "数控机床整机及功能部件项目",
        ),
    ),
    (
        "先进制造业强市项目指挥部",
        "葛振宇",
        ("市工业和信息化局", "禹城市", "陵城区"),
        (
            "功能糖产业链延伸项目",
            "高端轴承产业园项目",
            "汽车电子零部件扩能项目",
            "中央空调及热泵系统生产线项目",
            "风电装备关键部件项目",
        ),
    ),
    (
        "数字经济项目指挥部",
        "葛振宇",
        ("市大数据局", "市工业和信息化局"),
        (
            "城市大数据中心二期项目",
            "工业互联网标识解析二级节点项目",
            "5G基站及智慧杆塔建设项目",
            "智能终端产业园项目",
            "数字乡村综合服务平台项目",
        ),
    ),
    (
        "新能源新材料项目指挥部",
        "邵建国",
        ("乐陵市", "临邑县", "平原县"),
        (
            "光伏储能一体化项目",
            "氢能产业园项目",
            "生物基新材料项目",
            "分布式光伏整县推进项目",
            "锂电池正极材料项目",
        ),
    ),
    (
        "乡村振兴重点项目指挥部",
        "尹海燕",
        ("市农业农村局", "夏津县", "齐河县"),
        (
            "吨半粮产能建设项目",
            "椹果林文旅融合项目",
            "农业食品创新产业园项目",
            "高标准农田建设项目",
            "农产品冷链仓储项目",
            "农村人居环境整治提升项目",
        ),
    ),
    (
        "城市更新项目指挥部",
        "彭志刚",
        ("市住房城乡建设局", "德城区", "市城市管理局"),
        (
            "老旧小区改造提升项目",
            "城市地下综合管廊项目",
            "历史文化街区保护更新项目",
            "城市排水防涝设施项目",
            "棚户区改造安置房项目",
        ),
    ),
    (
        "交通基础设施项目指挥部",
        "孔德明",
        ("市交通运输局", "武城县", "宁津县"),
        (
            "高速公路德州段项目",
            "国省道改造提升项目",
            "高铁站综合交通枢纽项目",
            "农村公路提档升级项目",
            "运河航道整治项目",
            "城市快速路项目",
        ),
    ),
    (
        "水利建设项目指挥部",
        "尹海燕",
        ("市水利局", "庆云县"),
        (
            "引黄灌区节水改造项目",
            "城乡供水一体化项目",
            "平原水库增容工程",
            "河道综合治理项目",
            "地下水超采区综合治理项目",
        ),
    ),
    (
        "生态环保项目指挥部",
        "邵建国",
        ("市生态环境局", "运河经济开发区"),
        (
            "湿地生态修复项目",
            "污水处理厂提标改造项目",
            "生活垃圾焚烧发电项目",
            "工业园区污水集中处理项目",
            "土壤污染治理与修复项目",
        ),
    ),
    (
        "现代物流项目指挥部",
        "孔德明",
        ("市商务局", "市发展改革委"),
        (
            "无水港多式联运项目",
            "保税物流中心项目",
            "商贸物流园区项目",
            "城乡配送网络项目",
            "铁路专用线项目",
        ),
    ),
    (
        "文旅康养项目指挥部",
        "彭志刚",
        ("市文化和旅游局", "夏津县"),
        (
            "运河文化旅游带项目",
            "太阳谷文旅综合体项目",
            "全域旅游服务中心项目",
            "康养小镇项目",
            "体育公园项目",
        ),
    ),
    (
        "医药健康项目指挥部",
        "彭志刚",
        ("市卫生健康委", "市市场监管局"),
        (
            "医药产业走廊原料药基地项目",
            "市人民医院新院区项目",
            "公共卫生临床中心项目",
            "医疗器械产业园项目",
            "中医药产业园项目",
        ),
    ),
    (
        "社会民生项目指挥部",
        "顾文涛",
        ("市教育局", "市民政局", "市人力资源社会保障局"),
        (
            "中小学校新建扩建项目",
            "职业教育园区项目",
            "养老服务中心项目",
            "人才公寓项目",
            "便民服务中心项目",
            "社会福利中心项目",
        ),
    ),
)

# (service team, its lead unit, what it serves)
TEAMS = (
    ("要素保障专班", "市发展改革委", "统筹用地、用能、资金等要素保障"),
    ("审批服务专班", "市行政审批服务局", "项目审批全程帮办代办、并联审批"),
    ("土地保障专班", "市自然资源和规划局", "用地组卷报批、土地供应"),
    ("金融服务专班", "市地方金融监管局", "银企对接、融资协调"),
    ("能耗环评专班", "市生态环境局", "能评、环评及排污指标"),
    ("招商引资专班", "市投资促进局", "项目引进与落地服务"),
    ("人才服务专班", "市人力资源社会保障局", "项目用工与人才引进"),
    ("政策兑现专班", "市财政局", "扶持政策兑现"),
    ("水电气暖保障专班", "市住房城乡建设局", "配套管网接入"),
    ("征迁协调专班", "市城市管理局", "征地拆迁与矛盾化解"),
    ("交通保障专班", "市交通运输局", "进场道路与物流保障"),
)

# A phase: code, kind, title, months it is planned to take (least, most).
STEPS = (
    ("decision", "完成项目立项（备案、核准）", (1, 2)),
    ("land", "完成用地组卷报批和土地供应", (1, 3)),
    ("permits", "办理规划许可、施工许可等审批手续", (1, 2)),
    ("construction", "主体工程开工建设并完工", (5, 10)),
    ("other", "设备安装调试和配套工程", (1, 2)),
    ("completion", "竣工验收，投产（投用）运营", (1, 2)),
)

# How a project moves: a month ahead of plan, on plan, late, or stuck (with silent months).
TEMPERS = (("fast", 20), ("steady", 40), ("slow", 25), ("stalled", 15))
MISSING = {"fast": 0.0, "steady": 0.0, "slow": 0.05, "stalled": 0.25}
PACE = {"fast": 1.1, "steady": 1.0, "slow": 0.75, "stalled": 0.45}


@dataclass
class DemoPhase:
    code: str
    kind: str
    title: str
    planned_start: dt.date
    planned_end: dt.date
    start: int  # the month index it really starts
    finish: int  # the month index it is really done
    order: int


@dataclass
class DemoRow:
    phase: str
    month: dt.date
    status: str
    percent: int | None
    done_on: dt.date | None
    note: str


@dataclass
class DemoProject:
    code: str
    name: str
    post: str
    unit: str
    team: str
    investment: Decimal
    annual: Decimal
    start_month: dt.date
    temper: str
    status: str = "active"
    phases: list[DemoPhase] = field(default_factory=list)
    rows: list[DemoRow] = field(default_factory=list)
    invested: dict[dt.date, Decimal] = field(default_factory=dict)


def _day(rng: random.Random, month: dt.date, last: int | None = None) -> dt.date:
    days = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=rng.randint(1, min(days, last or days)))


def _phases(rng: random.Random, temper: str) -> list[DemoPhase]:
    steps = list(STEPS)
    if rng.random() < 0.35:
        steps.remove(STEPS[1])  # built on land it already has
    if rng.random() < 0.5:
        steps.remove(STEPS[4])
    # Plans begin between January and June 2021 and end by December 2022.
    at = index(FIRST) + rng.randint(0, 5)
    last_month = index(dt.date(2022, 12, 1))
    phases, delay = [], 0
    for order, (kind, title, (least, most)) in enumerate(steps, 1):
        months = rng.randint(least, most)
        start, end = at, min(at + months - 1, last_month)
        real_start = start + delay
        slip = {
            "fast": -1 if rng.random() < 0.8 and end > real_start else 0,
            "steady": rng.choice((-1, 0, 0, 0, 0, 0, 0, 0, 0, 1)) if end > real_start else 0,
            "slow": rng.choice((0, 1, 1, 2)),
            "stalled": rng.choice((1, 2, 3, 4)),
        }[temper]
        finish = max(real_start, end + delay + slip)
        delay = max(0, finish - end)
        phases.append(
            DemoPhase(
                f"P{order}",
                kind,
                title,
                _day(rng, from_index(start), 10),
                month_end(from_index(end)),
                real_start,
                finish,
                order,
            )
        )
        # The next phase starts the month after (permits overlap the land a little).
        at = end + (0 if kind == "land" and rng.random() < 0.5 else 1)
    return phases


NOTES = {
    "not_started": "前置阶段推进中，尚未启动",
    "in_progress": "按计划推进，服务专班跟进协调",
    "stuck": "受要素制约，本月进展不明显，已提请指挥部调度",
    "done": "已完成",
}


def _rows(rng: random.Random, p: DemoProject, last: dt.date) -> list[DemoRow]:
    rows: list[DemoRow] = []
    percent: dict[str, int] = {}
    m = index(p.start_month)
    while m <= index(last):
        month = from_index(m)
        if rng.random() < MISSING[p.temper] and month != p.start_month:
            m += 1  # a silent month
            continue
        for ph in p.phases:
            if ph.finish < m:
                continue  # done before: not asked again
            if m < ph.start:
                rows.append(
                    DemoRow(ph.code, month, "not_started", None, None, NOTES["not_started"])
                )
            elif m == ph.finish:
                done_on = _day(rng, month, 28)
                rows.append(DemoRow(ph.code, month, "done", 100, done_on, NOTES["done"]))
            else:
                span = max(1, ph.finish - ph.start)
                target = min(95, 10 + 80 * (m - ph.start) // span)
                before = percent.get(ph.code, 0)
                stuck = p.temper == "stalled" and rng.random() < 0.4
                now = before if stuck and before else max(before, target)
                percent[ph.code] = now
                note = NOTES["stuck"] if now == before and before else NOTES["in_progress"]
                rows.append(DemoRow(ph.code, month, "in_progress", now, None, note))
        building = [ph for ph in p.phases if ph.kind == "construction"]
        if any(ph.start <= m <= ph.finish for ph in building):
            share = Decimal("0.6") / max(1, building[0].finish - building[0].start + 1)
            noise = Decimal(rng.randint(80, 120)) / 100
            p.invested[month] = (p.investment * share * Decimal(PACE[p.temper]) * noise).quantize(
                Decimal("1")
            )
        elif any(ph.start <= m for ph in p.phases):
            p.invested[month] = (p.investment * Decimal(rng.randint(5, 15)) / 1000).quantize(
                Decimal("1")
            )
        m += 1
    return rows


def plan(demo_unit: str = "", seed: int = 2021) -> list[DemoProject]:
    """Every project with its phases, its rows of 2021 (and of January 2022 for about half,
    none for the demo reporter's unit's) and its months' investment."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    projects: list[DemoProject] = []
    tempers = [t for t, weight in TEMPERS for _ in range(weight)]
    # The demo reporter's unit answers for two or three projects: its own where a post
    # names it, else the first project of the first three posts.
    own = [
        CODE.format(sum(len(x[3]) for x in POSTS[:i]) + n + 1)
        for i, (_p, _l, units, names) in enumerate(POSTS)
        for n in range(len(names))
        if units[n % len(units)] == demo_unit
    ]
    if demo_unit and len(own) < 2:
        own = [CODE.format(sum(len(x[3]) for x in POSTS[:i]) + 1) for i in range(3)]
    for post, _leader, units, names in POSTS:
        for n, name in enumerate(names):
            code = CODE.format(len(projects) + 1)
            unit = units[n % len(units)]
            if code in own:
                unit = demo_unit
            temper = rng.choice(tempers)
            investment = Decimal(rng.randint(80, 3500) * 100)
            project = DemoProject(
                code=code,
                name=name,
                post=post,
                unit=unit,
                team=TEAMS[rng.randrange(len(TEAMS))][0],
                investment=investment,
                annual=(investment * Decimal(rng.randint(25, 50)) / 100).quantize(Decimal("1")),
                start_month=FIRST,
                temper=temper,
            )
            project.phases = _phases(rng, temper)
            project.start_month = first_of(min(ph.planned_start for ph in project.phases))
            chance = rng.random()  # drawn for every project: the same plan whoever reports
            reports_january = unit != demo_unit and chance < 0.5
            project.rows = _rows(rng, project, JANUARY if reports_january else LAST_2021)
            projects.append(project)
    projects[-1].status = "suspended"  # one held back: not rated while it waits
    return projects


def seed() -> list[str]:
    """Create this app's demo data once (running it again changes nothing); the lines
    `ducha demo` prints about it."""
    home = Jurisdiction.objects.home()
    with transaction.atomic():
        if not Project.objects.filter(jurisdiction=home, code=CODE.format(1)).exists():
            _write(home)
    posts = CommandPost.objects.filter(jurisdiction=home).count()
    teams = ServiceTeam.objects.filter(jurisdiction=home).count()
    projects = Project.objects.filter(jurisdiction=home).count()
    return [
        f"挂图作战：指挥部{posts}个、服务专班{teams}个、重点项目{projects}个"
        "（2021年逐月按阶段报送并评价）"
    ]


def _write(home: Jurisdiction) -> None:
    units = {u.name: u for u in Unit.objects.filter(jurisdiction=home)}
    fallback = next(iter(units.values()))
    leaders = {x.name: x for x in Leader.objects.filter(jurisdiction=home)}
    reporter = User.objects.filter(username="reporter", jurisdiction=home).first()
    demo_unit = reporter.unit.name if reporter and reporter.unit else ""
    posts = {
        name: CommandPost(jurisdiction=home, name=name, order=i, commander=leaders.get(leader))
        for i, (name, leader, _units, _names) in enumerate(POSTS, 1)
    }
    CommandPost.objects.bulk_create(posts.values())
    teams = {
        name: ServiceTeam(
            jurisdiction=home, name=name, order=i, lead_unit=units.get(unit), duties=duties
        )
        for i, (name, unit, duties) in enumerate(TEAMS, 1)
    }
    ServiceTeam.objects.bulk_create(teams.values())
    planned = plan(demo_unit)
    projects = {
        p.code: Project(
            jurisdiction=home,
            code=p.code,
            name=p.name,
            post=posts[p.post],
            team=teams[p.team],
            unit=units.get(p.unit, fallback),
            investment=p.investment,
            annual_investment=p.annual,
            plan_year=PLAN_YEAR,
            start_month=p.start_month,
            status=p.status,
        )
        for p in planned
    }
    Project.objects.bulk_create(projects.values())
    phases = {}
    for p in planned:
        rows_of: dict[str, list] = {}
        for r in p.rows:
            rows_of.setdefault(r.phase, []).append((r.month, r.status, r.done_on))
        for ph in p.phases:
            start, end = actual_dates(rows_of.get(ph.code, []))
            phases[(p.code, ph.code)] = Phase(
                project=projects[p.code],
                code=ph.code,
                kind=ph.kind,
                title=ph.title,
                planned_start=ph.planned_start,
                planned_end=ph.planned_end,
                actual_start=start,
                actual_end=end,
                order=ph.order,
            )
    Phase.objects.bulk_create(phases.values(), batch_size=500)
    PhaseProgress.objects.bulk_create(
        (
            PhaseProgress(
                project=projects[p.code],
                phase=phases[(p.code, r.phase)],
                month=r.month,
                status=r.status,
                percent=r.percent,
                done_on=r.done_on,
                note=r.note,
            )
            for p in planned
            for r in p.rows
        ),
        batch_size=1000,
    )
    ProjectMonth.objects.bulk_create(
        (
            ProjectMonth(project=projects[p.code], month=month, invested=amount)
            for p in planned
            for month, amount in p.invested.items()
        ),
        batch_size=1000,
    )
