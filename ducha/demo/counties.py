"""Dezhou's 13 counties (县市区) in the demo: each one's departments, leaders and ledger —
its own tasks and the city tasks it takes up — and its year of monthly reports.

Pure and seeded, like `dezhou`: the same city and seed always give the same counties.

A city task goes down to the counties that cooperate on it (the city ledger names them
among its co-units), so about a third of the city's tasks are cascaded. Each county takes
them up with its own lead unit and leader, and tightens a deadline now and then. Its own
tasks come from reforms every county runs and from its local ones.

Counties differ: each keeps a temper, from the diligent (more nodes done early, few missed
reports) to the lagging (more stalls and missed reports), so the county league table for
2021 has a top and a bottom.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ducha.demo.dezhou import (
    AREAS,
    DemoData,
    DemoNode,
    DemoProgress,
    DemoTask,
    Temper,
    draw_nodes,
    year_of_reports,
)


@dataclass(frozen=True)
class Place:
    slug: str
    name: str
    code: str  # the prefix of its own task codes
    word: str  # what its departments' names start with: 区, 县, 禹城市, 新区, 开发区
    local: tuple[tuple[str, str, str], ...]  # its own reforms: (area, lead department, title)


@dataclass(frozen=True)
class TakenUp:
    """A city task as the county takes it up."""

    code: str
    lead_unit: str
    leader: str
    earlier: dict[str, dt.date]  # node code → the county's own, earlier due month


@dataclass(frozen=True)
class DemoCounty:
    slug: str
    name: str
    order: int
    units: tuple[tuple[str, str], ...]  # (name, kind)
    leaders: tuple[tuple[str, str], ...]  # (name, title)
    taken: tuple[TakenUp, ...]
    tasks: tuple[DemoTask, ...]  # its own
    progress: tuple[DemoProgress, ...]  # for its own tasks and the ones it took up
    temper: str  # 先进, 较好, 一般, 滞后: how its year was drawn

    @property
    def ledger_size(self) -> int:
        return len(self.taken) + len(self.tasks)


# A ledger's departments, after the county's word (区委办公室, 县发展和改革局).
DEPARTMENTS = (
    "委办公室",
    "政府办公室",
    "委组织部",
    "委宣传部",
    "委政法委",
    "委改革办",
    "委编办",
    "发展和改革局",
    "教育和体育局",
    "科技局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "行政审批服务局",
    "医疗保障局",
    "综合行政执法局",
    "大数据中心",
)
# Which department a city task goes to when the county has none of the city's name.
_AREA_DEPARTMENT = {
    "overall": "委改革办",
    "party": "委组织部",
    "industry": "发展和改革局",
    "environment": "自然资源局",
    "opening": "商务局",
    "rural": "农业农村局",
    "livelihood": "卫生健康局",
}
# The city's department names, shortened to the county's (市发展改革委 → 发展和改革局).
_SAME_AS = {
    "发展改革委": "发展和改革局",
    "教育局": "教育和体育局",
    "人力资源社会保障局": "人力资源和社会保障局",
    "住房城乡建设局": "住房和城乡建设局",
    "市场监管局": "市场监督管理局",
    "大数据局": "大数据中心",
    "城市管理局": "综合行政执法局",
}

# Reforms every county runs in its own ledger: (area, lead department, title).
COMMON = (
    ("overall", "委改革办", "建立县级改革任务台账，实行月调度、季通报"),
    ("overall", "委改革办", "开展改革典型案例培育和评选"),
    ("overall", "委政法委", "推进网格化服务管理标准化建设"),
    ("overall", "司法局", "推行乡镇（街道）合法性审查全覆盖"),
    ("overall", "委编办", "深化乡镇（街道）管理体制改革，推动资源力量下沉"),
    ("overall", "综合行政执法局", "推进乡镇（街道）综合行政执法改革"),
    ("party", "委组织部", "推行村党组织书记专业化管理"),
    ("party", "委组织部", "建立年轻干部到基层一线培养锻炼机制"),
    ("party", "委宣传部", "推进新时代文明实践中心规范化建设"),
    ("party", "委办公室", "精简会议文件，为基层减负"),
    ("party", "大数据中心", "推进“爱山东”政务服务移动端县级专区建设"),
    ("industry", "发展和改革局", "开展“标准地”出让改革"),
    ("industry", "工业和信息化局", "推进“亩产效益”评价改革"),
    ("industry", "科技局", "建设县域科技创新服务平台"),
    ("industry", "财政局", "深化预算绩效管理改革"),
    ("industry", "行政审批服务局", "推行企业开办“一窗通办”全程网办"),
    ("industry", "行政审批服务局", "推行工程建设项目审批“拿地即开工”"),
    ("industry", "市场监督管理局", "推进“证照分离”改革全覆盖"),
    ("industry", "发展和改革局", "开展优化营商环境“十大行动”"),
    ("environment", "自然资源局", "推进农村建设用地增减挂钩改革"),
    ("environment", "水利局", "全面推行河长制湖长制，建设美丽幸福河湖"),
    ("environment", "住房和城乡建设局", "推进城镇老旧小区改造"),
    ("environment", "综合行政执法局", "推行城市管理“721”工作法"),
    ("environment", "水利局", "深化农业水价综合改革"),
    ("opening", "商务局", "建设跨境电商公共服务平台"),
    ("opening", "商务局", "推行外资企业服务专员制度"),
    ("opening", "发展和改革局", "开展“双招双引”专班推进机制改革"),
    ("rural", "农业农村局", "深化农村集体产权制度改革"),
    ("rural", "农业农村局", "推进农业生产托管服务全覆盖"),
    ("rural", "农业农村局", "开展农村宅基地规范管理"),
    ("rural", "财政局", "推行涉农资金统筹整合"),
    ("rural", "民政局", "建立农村留守老人关爱服务机制"),
    ("rural", "交通运输局", "推进“四好农村路”管养体制改革"),
    ("livelihood", "卫生健康局", "推进县域医共体建设"),
    ("livelihood", "医疗保障局", "推行医保按病种分值付费改革"),
    ("livelihood", "教育和体育局", "推进县管校聘管理改革"),
    ("livelihood", "教育和体育局", "推进集团化办学"),
    ("livelihood", "人力资源和社会保障局", "建设“15分钟”就业服务圈"),
    ("livelihood", "民政局", "推进医养结合养老服务改革"),
    ("livelihood", "应急管理局", "推进安全生产“双重预防”体系建设"),
    ("livelihood", "文化和旅游局", "推进公共文化服务“一张网”建设"),
    ("livelihood", "公安局", "推行户籍业务“全域通办”"),
)

PLACES = (
    Place("decheng", "德城区", "DC", "区", (
        ("industry", "商务局", "推进德城区商贸物流业态改革"),
        ("livelihood", "民政局", "打造城市社区“红色物业”"),
    )),
    Place("lingcheng", "陵城区", "LCQ", "区", (
        ("overall", "委政法委", "深化“陵城模式”诉源治理"),
        ("rural", "农业农村局", "建设陵城农业“新六产”示范区"),
    )),
    Place("yucheng", "禹城市", "YC", "禹城市", (
        ("industry", "工业和信息化局", "推进功能糖产业集群建设"),
        ("rural", "农业农村局", "建设国家农业科技园区"),
    )),
    Place("laoling", "乐陵市", "LL", "乐陵市", (
        ("rural", "农业农村局", "推进金丝小枣产业振兴"),
        ("industry", "工业和信息化局", "建设五金产业数字化转型平台"),
    )),
    Place("linyi", "临邑县", "LY", "县", (
        ("industry", "发展和改革局", "推进化工园区认定和提升"),
        ("rural", "农业农村局", "建设临邑现代农业产业园"),
    )),
    Place("pingyuan", "平原县", "PY", "县", (
        ("industry", "工业和信息化局", "建设平原生物医药产业园"),
        ("environment", "自然资源局", "推进全域土地综合整治试点"),
    )),
    Place("xiajin", "夏津县", "XJ", "县", (
        ("rural", "文化和旅游局", "推进黄河故道古桑树群保护与开发"),
        ("industry", "工业和信息化局", "建设夏津纺织服装产业集群"),
    )),
    Place("wucheng", "武城县", "WC", "县", (
        ("rural", "农业农村局", "建设武城辣椒国际交易中心"),
        ("industry", "科技局", "推进复合材料产业创新"),
    )),
    Place("qingyun", "庆云县", "QY", "县", (
        ("livelihood", "民政局", "打造“善行庆云”志愿服务品牌"),
        ("industry", "发展和改革局", "推进庆云经济开发区体制改革"),
    )),
    Place("ningjin", "宁津县", "NJ", "县", (
        ("industry", "工业和信息化局", "推进健身器材产业链“链长制”"),
        ("industry", "市场监督管理局", "推进实木家具产业标准化"),
    )),
    Place("qihe", "齐河县", "QH", "县", (
        ("opening", "商务局", "建设黄河国际生态城文旅项目"),
        ("industry", "发展和改革局", "推进齐河融入省会经济圈一体化"),
    )),
    Place("tianqu", "天衢新区", "TQ", "新区", (
        ("overall", "委改革办", "深化功能区“党工委（管委会）+公司”体制改革"),
        ("industry", "科技局", "建设天衢新区高层次人才创新创业园"),
    )),
    Place("yunhe", "运河经济开发区", "YH", "开发区", (
        ("overall", "委改革办", "推行开发区“全员聘任制、绩效薪酬制”改革"),
        ("industry", "行政审批服务局", "推行项目“帮办代办”全程服务"),
    )),
)  # fmt: skip

# What each county's year is like: pace counts as shares of its active tasks, the share of
# its year-long tasks whose units miss reports, and the caps on horses and ostriches.
TEMPERS = {
    "先进": dict(early=0.45, slow=0.10, stalled=0.06, lax=0.06, horse=0.30, ostrich=0.06),
    "较好": dict(early=0.32, slow=0.15, stalled=0.12, lax=0.14, horse=0.20, ostrich=0.08),
    "一般": dict(early=0.20, slow=0.20, stalled=0.22, lax=0.26, horse=0.10, ostrich=0.12),
    "滞后": dict(early=0.08, slow=0.28, stalled=0.36, lax=0.45, horse=0.05, ostrich=0.22),
}
_TEMPER_DRAW = ("先进", "先进", "较好", "较好", "较好", "一般", "一般", "一般", "一般", "一般")
_TEMPER_DRAW += ("滞后", "滞后", "滞后")

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "建国志强海涛晓明立新文华卫东俊杰振华红梅秀英永刚丽娟春雷宏伟德胜玉兰国庆学军"


def _leaders(rng: random.Random, place: Place) -> tuple[tuple[str, str], ...]:
    """Seven invented people, by the posts a county's reform leaders hold."""
    if place.word in ("新区", "开发区"):
        titles = ("党工委书记", "党工委副书记、管委会主任", "党工委副书记")
        titles += ("党工委委员、管委会副主任",) * 4
    else:
        head = f"{place.word[-1]}长"  # 区长, 县长, 市长
        titles = (f"{place.word}委书记", f"{place.word}委副书记、{head}", f"{place.word}委副书记")
        titles += (f"{place.word}委常委、常务副{head}", f"{place.word}委常委、组织部部长")
        titles += (f"副{head}", f"副{head}")
    names: list[str] = []
    while len(names) < len(titles):
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        if name not in names:
            names.append(name)
    return tuple(zip(names, titles, strict=True))


# Which of the seven leads each area (indices into _leaders), the first most often.
_AREA_LEADS = {
    "overall": (1, 0),
    "party": (4, 2),
    "industry": (3, 5),
    "environment": (3, 6),
    "opening": (5, 1),
    "rural": (6, 2),
    "livelihood": (5, 6),
}


def _leader(rng: random.Random, leaders, area: str) -> str:
    first, second = _AREA_LEADS[area]
    return leaders[first if rng.random() < 0.75 else second][0]


def _department(word: str, city_unit: str, area: str) -> str:
    rest = city_unit.removeprefix("市")
    rest = _SAME_AS.get(rest, rest)
    return word + (rest if rest in DEPARTMENTS else _AREA_DEPARTMENT[area])


def _earlier(rng: random.Random, nodes: tuple[DemoNode, ...]) -> dict[str, dt.date]:
    """Now and then a county promises a node a month before the city does."""
    out = {}
    previous = dt.date(2021, 1, 1)
    for node in nodes:
        month = dt.date(node.due.year, node.due.month - 1, 1) if node.due.month > 1 else None
        if month and month > previous and rng.random() < 0.12:
            out[node.code] = month
        previous = out.get(node.code, node.due)
    return out


def _temper(name: str, active: int) -> Temper:
    t = TEMPERS[name]
    paces = {pace: round(t[pace] * active) for pace in ("early", "slow", "stalled")}
    snail_high = 0.08 + t["stalled"] / 2
    return Temper(
        paces,
        lax=round(t["lax"] * active),
        horse_cap=t["horse"],
        ostrich_cap=t["ostrich"],
        odd_share=0.12 + t["stalled"] + t["slow"] / 2,
        snail_share=(0.02, snail_high),
    )


def cascaded(city: DemoData) -> dict[str, list[str]]:
    """{city task code: the county names it goes down to}: the counties that cooperate on a
    task led by a city unit, in the city ledger's order."""
    names = {place.name for place in PLACES}
    out = {}
    for task in city.tasks:
        if task.status != "active" or task.lead_unit in names:
            continue
        counties = [u for u in task.co_units if u in names]
        if counties:
            out[task.code] = counties
    return out


def generate_counties(city: DemoData, seed: int = 2021) -> tuple[DemoCounty, ...]:
    """The 13 counties below the demo city; the same city and seed give the same counties."""
    rng = random.Random(seed * 13 + 1)
    tempers = list(_TEMPER_DRAW)
    rng.shuffle(tempers)
    down = cascaded(city)
    city_tasks = {t.code: t for t in city.tasks}
    out = []
    for order, (place, temper) in enumerate(zip(PLACES, tempers, strict=True)):
        units = tuple((place.word + d, "municipal") for d in DEPARTMENTS)
        leaders = _leaders(rng, place)
        taken, ledger = [], []
        for code, counties in down.items():
            if place.name not in counties:
                continue
            above = city_tasks[code]
            earlier = _earlier(rng, above.nodes)
            lead = _department(place.word, above.lead_unit, above.area)
            up = TakenUp(code, lead, _leader(rng, leaders, above.area), earlier)
            taken.append(up)
            nodes = tuple(
                DemoNode(n.code, n.title, earlier.get(n.code, n.due), n.due_text)
                for n in above.nodes
            )
            ledger.append(
                DemoTask(
                    code, above.area, above.title, above.source, up.leader, lead, (), "", nodes
                )
            )
        size = rng.randint(42, 76)
        wanted = min(len(COMMON), max(0, size - len(taken) - len(place.local)))
        own_lines = [*place.local, *rng.sample(COMMON, wanted)]
        own_lines.sort(key=lambda line: AREAS.index(line[0]))
        own = []
        for i, (area, department, title) in enumerate(own_lines, 1):
            own.append(
                DemoTask(
                    code=f"{place.code}2021-{i:03d}",
                    area=area,
                    title=title,
                    source="city",
                    leader=_leader(rng, leaders, area),
                    lead_unit=place.word + department,
                    co_units=(),
                    requirements="",
                    nodes=draw_nodes(rng, title),
                )
            )
        active = len(ledger) + len(own)
        progress = year_of_reports(rng, [*ledger, *own], _temper(temper, active))
        out.append(
            DemoCounty(
                place.slug,
                place.name,
                order,
                units,
                leaders,
                tuple(taken),
                tuple(own),
                progress,
                temper,
            )
        )
    return tuple(out)
