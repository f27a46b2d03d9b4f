"""A province's data set for measuring Ducha at scale: one province, its 16 cities and about
130 counties, each running its own ledger of 2021 (issue 10, point 6).

Pure and seeded (stdlib `random` only): the same seed and scale always give the same
province. The home jurisdiction stays what it is, one of the 16 cities, and the province is
made its parent. At scale 1 there are 45,000 tasks, about 170,000 nodes and a year of
monthly reports of about 580,000 rows; `scale` shrinks the ledgers, never the tree.

Each ledger's year of reports comes from the demo's own `year_of_reports`, at a temper drawn
per jurisdiction, so every board shows the four icons in the demo's proportions."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from ducha.demo.dezhou import (
    AREAS,
    MUNICIPAL,
    DemoNode,
    DemoProgress,
    DemoTask,
    Temper,
    year_of_reports,
)
from ducha.org.areas import CODE_PREFIXES

TASKS = 45_000
COUNTIES = 130
COUNTIES_PER_CITY = (5, 13)
PROVINCE = ("shandong", "山东省")
CITIES = (
    ("jinan", "济南市"),
    ("qingdao", "青岛市"),
    ("zibo", "淄博市"),
    ("zaozhuang", "枣庄市"),
    ("dongying", "东营市"),
    ("yantai", "烟台市"),
    ("weifang", "潍坊市"),
    ("jining", "济宁市"),
    ("taian", "泰安市"),
    ("weihai", "威海市"),
    ("rizhao", "日照市"),
    ("linyi", "临沂市"),
    ("dezhou", "德州市"),
    ("liaocheng", "聊城市"),
    ("binzhou", "滨州市"),
    ("heze", "菏泽市"),
)
# Tasks a ledger carries, relative to one another: the province the most, cities several
# hundred to 1,600, counties one to three hundred (scaled to TASKS in all).
WEIGHTS = {"province": (3000, 3000), "city": (600, 1600), "county": (100, 280)}

# Invented names: any likeness to a real place or official is a coincidence.
_PLACE_FIRST = "安宝昌长丰高广和华嘉金乐临隆宁平庆清泉仁盛泰文武祥新兴阳永玉正"
_PLACE_SECOND = "城川丰河江津乐林陵宁平泉山台阳源原州"
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋"
_GIVEN_NAMES = "建国志明海波晓红立新文华振宇慧敏春雨永强丽娟德胜国庆秀兰玉梅卫东子轩思远静怡浩然"
_GIVEN = [_GIVEN_NAMES[i : i + 2] for i in range(0, len(_GIVEN_NAMES), 2)]
_DEPARTMENTS = tuple(name.removeprefix("市") for name in MUNICIPAL)  # 发展改革委, 委办公室…
_TOPICS = {
    "overall": ("系统集成", "改革督察", "改革试点", "基层治理", "改革容错纠错"),
    "party": ("干部考核评价", "基层党建", "政治生态研判", "机关作风", "人才引进"),
    "industry": ("科技创新", "国企改革", "技术改造", "数字经济", "亩产效益评价"),
    "environment": ("一网通办", "信用体系", "工程建设项目审批", "金融服务", "涉企收费"),
    "opening": ("招商引资", "对外贸易", "区域协作", "开发区体制", "口岸通关"),
    "rural": ("农村产权制度", "农业社会化服务", "宅基地管理", "乡村治理", "粮食生产"),
    "livelihood": ("医保支付方式", "教育评价", "养老服务", "公立医院", "社会救助"),
}
_ACTIONS = ("深化{}改革", "推进{}工作", "完善{}机制", "开展{}试点", "建设{}平台", "出台{}办法")
_STEPS = (
    "开展专题调研",
    "制定实施方案",
    "召开动员部署会",
    "出台配套政策措施",
    "启动试点",
    "完成阶段性任务",
    "召开工作推进会",
    "全面推开",
    "形成经验总结报告",
)
_REQUIREMENTS = (
    "明确时间表、路线图，实行清单化管理、销号式推进。",
    "加强部门协同和上下联动，推动改革落地见效。",
    "选择基础较好的地方先行试点，及时总结推广。",
)
# Nodes per task (1 to 6): 3.8 on average, 171,000 at scale 1.
_NODE_COUNTS, _NODE_WEIGHTS = (1, 2, 3, 4, 5, 6), (1, 3, 4, 6, 5, 2)
# The last node's due month, counted from 1 = January 2021: mostly the year end, a few in 2022.
_LAST_DUE = (6, 7, 8, 9, 10, 11, *[12] * 8, 13, 13, 14, 15)
# How a ledger's year goes (the demo's city: 186 tasks, 75 early, 36 slow, 45 stalled, 48 lax).
_PACES = {"early": 0.40, "slow": 0.19, "stalled": 0.24}
_LAX = 0.26


@dataclass(frozen=True)
class Place:
    """A jurisdiction of the data set."""

    slug: str
    name: str
    level: str  # province | city | county
    parent: str | None  # the parent's slug
    home: bool = False
    tasks: int = 0  # how many tasks its ledger holds


@dataclass(frozen=True)
class Ledger:
    """One jurisdiction's units, leaders, tasks and year of reports."""

    place: Place
    units: tuple[tuple[str, str], ...]  # (name, kind)
    leaders: tuple[tuple[str, str], ...]  # (name, title)
    tasks: tuple[DemoTask, ...]
    joint_leads: dict[str, tuple[str, ...]]  # task code → further lead units
    co_leaders: dict[str, tuple[str, ...]]  # task code → further leaders
    progress: tuple[DemoProgress, ...]


def places(
    seed: int = 2021, scale: float = 1.0, *, home: tuple[str, str] = ("dezhou", "德州市")
) -> list[Place]:
    """The tree in order (the province, then each city followed by its counties), with the
    number of tasks of each ledger. `home` is the server's own city (slug, name): it takes
    the place of the city of that name, or else of the last one."""
    rng = random.Random(f"{seed}:tree")
    cities = [c for c in CITIES if home[0] != c[0] and home[1] != c[1]][: len(CITIES) - 1]
    at = next((i for i, c in enumerate(CITIES) if c[1] == home[1]), len(cities))
    cities.insert(at, home)
    counts = _county_counts(rng)
    names = _county_names(rng, sum(counts), taken={name for _, name in cities})
    tree = [Place(PROVINCE[0], PROVINCE[1], "province", None)]
    for (slug, name), count in zip(cities, counts, strict=True):
        tree.append(Place(slug, name, "city", PROVINCE[0], home=slug == home[0]))
        for k in range(1, count + 1):
            tree.append(Place(f"{slug}-{k:02d}", names.pop(), "county", slug))
    sizes = _sizes(rng, tree, round(TASKS * scale))
    return [_with_tasks(p, n) for p, n in zip(tree, sizes, strict=True)]


def _with_tasks(place: Place, tasks: int) -> Place:
    return Place(place.slug, place.name, place.level, place.parent, place.home, tasks)


def _county_counts(rng: random.Random) -> list[int]:
    """Counties per city, each within COUNTIES_PER_CITY, COUNTIES in all."""
    low, high = COUNTIES_PER_CITY
    counts = [rng.randint(low, high) for _ in CITIES]
    while (gap := COUNTIES - sum(counts)) != 0:
        step = 1 if gap > 0 else -1
        movable = [i for i, c in enumerate(counts) if low <= c + step <= high]
        counts[rng.choice(movable)] += step
    return counts


def _county_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    pairs = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    rng.shuffle(pairs)
    suffixes = rng.choices("县区市", (6, 3, 1), k=len(pairs))
    names = [p + s for p, s in zip(pairs, suffixes, strict=True) if p + s not in taken]
    return names[:count]


def _sizes(rng: random.Random, tree: list[Place], total: int) -> list[int]:
    """Split `total` tasks over the tree by drawn weights (largest remainders), at least one
    each."""
    weights = [rng.uniform(*WEIGHTS[p.level]) for p in tree]
    spread = max(total - len(tree), 0)
    shares = [spread * w / sum(weights) for w in weights]
    sizes = [1 + int(s) for s in shares]
    by_remainder = sorted(range(len(tree)), key=lambda i: int(shares[i]) - shares[i])
    for i in by_remainder[: max(total, len(tree)) - sum(sizes)]:
        sizes[i] += 1
    return sizes


def ledgers(tree: list[Place], seed: int = 2021) -> Iterator[Ledger]:
    """Every place's ledger in turn (one at a time: at scale 1 the reports alone are half a
    million rows)."""
    counties = {}
    for p in tree:
        counties.setdefault(p.parent, []).append(p.name)
    for place in tree:
        yield ledger(place, seed, counties.get(place.slug, []) if place.level == "city" else [])


def ledger(place: Place, seed: int = 2021, counties: list[str] | None = None) -> Ledger:
    """One jurisdiction's ledger of `place.tasks` tasks and its 2021; a city's counties
    (`counties`) are units of its ledger too, as Dezhou's are."""
    rng = random.Random(f"{seed}:{place.slug}")
    departments = _departments(rng, place)
    units = tuple((d, "municipal") for d in departments) + tuple(
        (c, "county") for c in counties or ()
    )
    leaders = _leaders(rng, place)
    tasks, joint, further = [], {}, {}
    for i in range(1, place.tasks + 1):
        area = rng.choice(AREAS)
        lead = rng.choice(units)[0]
        leader = leaders[AREAS.index(area) % len(leaders)][0]
        if rng.random() < 0.3:
            leader = rng.choice(leaders)[0]
        others = [u for u, _ in units if u != lead]
        picked = rng.sample(others, rng.choice((0, 1, 1, 2, 2, 3)) + (rng.random() < 0.03))
        code = f"{CODE_PREFIXES[area]}2021-{i:04d}"
        if picked and rng.random() < 0.03:
            joint[code], picked = (picked[-1],), picked[:-1]
        if rng.random() < 0.03:
            further[code] = (rng.choice([n for n, _ in leaders if n != leader]),)
        title = rng.choice(_ACTIONS).format(rng.choice(_TOPICS[area]))
        tasks.append(
            DemoTask(
                code=code,
                area=area,
                title=title,
                source="provincial" if rng.random() < 0.6 else "city",
                leader=leader,
                lead_unit=lead,
                co_units=tuple(picked),
                requirements=rng.choice(_REQUIREMENTS),
                nodes=_nodes(rng),
                status="suspended" if rng.random() < 0.004 else "active",
            )
        )
    progress = year_of_reports(rng, tasks, _temper(rng, len(tasks)))
    return Ledger(place, units, leaders, tuple(tasks), joint, further, progress)


def _departments(rng: random.Random, place: Place) -> list[str]:
    if place.level == "province":
        return [f"省{d}" for d in _DEPARTMENTS]
    if place.level == "city":
        return [f"市{d}" for d in _DEPARTMENTS]
    # A county keeps fewer bodies than a city, named after itself: 安阳县发展改革委.
    kept = sorted(rng.sample(range(len(_DEPARTMENTS)), 26))
    return [place.name + _DEPARTMENTS[k] for k in kept]


def _leaders(rng: random.Random, place: Place) -> tuple[tuple[str, str], ...]:
    if place.level == "province":
        titles = ("省委书记", "省长", "省委副书记", "常务副省长", *["副省长"] * 6)
    else:
        kind = place.name[-1] if place.level == "county" else "市"
        chief = {"县": "县长", "区": "区长", "市": "市长"}[kind]
        titles = (f"{kind}委书记", chief, f"{kind}委副书记", f"常务副{chief}", *[f"副{chief}"] * 5)
    names: list[str] = []
    while len(names) < len(titles):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in names:
            names.append(name)
    return tuple(zip(names, titles, strict=True))


def _nodes(rng: random.Random) -> tuple[DemoNode, ...]:
    """One to six milestones, due in strictly later months, the last mostly at the year end."""
    count = rng.choices(_NODE_COUNTS, _NODE_WEIGHTS)[0]
    last = max(rng.choice(_LAST_DUE), count)
    if count == 1:
        last = min(last, 12)
    first = min(rng.choice((1, 1, 2, 3)), last - count + 1)
    middle = sorted(rng.sample(range(first + 1, last), max(count - 2, 0)))
    dues = [first, *middle, last][-count:]
    steps = sorted(rng.sample(range(len(_STEPS)), count))
    nodes = []
    for k, (step, due) in enumerate(zip(steps, dues, strict=True), 1):
        month = dt.date(2021 + (due - 1) // 12, (due - 1) % 12 + 1, 1)
        nodes.append(DemoNode(f"N{k}", _STEPS[step], month, f"{month.year}年{month.month}月底"))
    return tuple(nodes)


def _temper(rng: random.Random, tasks: int) -> Temper:
    """The demo city's temper for a ledger of `tasks`, some ledgers keener, some laxer."""
    keen = rng.uniform(0.8, 1.2)
    paces = {pace: round(share * keen * tasks) for pace, share in _PACES.items()}
    return Temper(paces, lax=round(_LAX * rng.uniform(0.6, 1.4) * tasks))
