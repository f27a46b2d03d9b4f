"""The demo's pilots, seeded by ducha/demo/registers.py after the 2021 boards: the city's
register at the source's scale (32 national and 106 provincial pilots, 18 of its own), with
titles built from area-specific patterns where the source names none, approved 2019–2021 by
plausible bodies, led by the demo's own units (a county's pilot by the county), tied to
tasks of its ledger, in every status; evaluation deadlines around the demo date (some near,
some past), evaluations and practices for those evaluated and promoted.

Everything is drawn from a fixed seed and the demo's own units and tasks, so a second run
finds every title already there and writes nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.conf import settings
from django.db import transaction

from ducha.demo.january import TODAY
from ducha.ledger.models import Task
from ducha.org.models import Area, Jurisdiction, Unit
from ducha.pilots.models import Pilot, Practice

Level, Status = Pilot.Level, Pilot.Status

# (area, subject, approving body, document prefix, the city unit that leads it)
NATIONAL = (
    (
        "rural",
        "国家级农村集体经营性建设用地入市试点",
        "自然资源部",
        "自然资源办函",
        "市自然资源和规划局",
    ),
    ("rural", "全国农村宅基地制度改革试点", "中央农办", "农经发", "市农业农村局"),
    ("rural", "国家数字乡村试点", "中央网信办", "网信办发", "市农业农村局"),
    ("rural", "国家农村产业融合发展示范园", "国家发展改革委", "发改农经", "市发展改革委"),
    ("rural", "全国乡村治理体系建设试点", "农业农村部", "农经", "市委组织部"),
    ("industry", "国家产融合作试点", "工业和信息化部", "工信部联财", "市工业和信息化局"),
    ("industry", "国家新型工业化产业示范基地", "工业和信息化部", "工信部规", "市工业和信息化局"),
    ("industry", "国家创新型县（市）建设", "科技部", "国科发创", "市科技局"),
    ("environment", "全国社会信用体系建设示范", "国家发展改革委", "发改财金", "市发展改革委"),
    ("environment", "工程建设项目审批制度改革试点", "住房城乡建设部", "建办", "市行政审批服务局"),
    ("environment", "国家知识产权强县建设试点", "国家知识产权局", "国知发", "市市场监管局"),
    ("opening", "跨境电子商务综合试验区", "商务部", "商贸函", "市商务局"),
    ("opening", "国家外贸转型升级基地", "商务部", "商贸函", "市商务局"),
    (
        "livelihood",
        "紧密型县域医疗卫生共同体建设试点",
        "国家卫生健康委",
        "国卫基层函",
        "市卫生健康委",
    ),
    ("livelihood", "居家和社区养老服务改革试点", "民政部", "民函", "市民政局"),
    ("livelihood", "区域点数法总额预算和按病种分值付费试点", "国家医保局", "医保办发", "市医保局"),
    ("overall", "全国市域社会治理现代化试点", "中央政法委", "政法", "市委政法委"),
)
PROVINCIAL = (
    ("overall", "县域改革系统集成试点", "省委改革办", "鲁改办发", "市委改革办"),
    ("overall", "改革创新容错纠错机制试点", "省委改革办", "鲁改办发", "市纪委监委"),
    ("party", "党建引领基层治理创新试点", "省委组织部", "鲁组字", "市委组织部"),
    ("party", "村级“小微权力”清单制度试点", "省纪委监委", "鲁纪发", "市纪委监委"),
    ("party", "县级融媒体中心建设示范", "省委宣传部", "鲁宣发", "市委宣传部"),
    ("party", "乡镇（街道）管理体制改革试点", "省委编办", "鲁编发", "市委编办"),
    ("industry", "新旧动能转换先行区建设试点", "省发展改革委", "鲁发改", "市发展改革委"),
    ("industry", "数字经济园区建设试点", "省工业和信息化厅", "鲁工信", "市工业和信息化局"),
    ("industry", "科技成果转化改革试点", "省科技厅", "鲁科字", "市科技局"),
    ("industry", "亩产效益评价改革试点", "省工业和信息化厅", "鲁工信", "市工业和信息化局"),
    ("industry", "金融服务实体经济改革试点", "省地方金融监管局", "鲁金监发", "市地方金融监管局"),
    ("industry", "国有企业混合所有制改革试点", "省国资委", "鲁国资", "市国资委"),
    ("environment", "“一业一证”改革试点", "省市场监管局", "鲁市监", "市行政审批服务局"),
    ("environment", "企业开办“一窗通办”试点", "省市场监管局", "鲁市监", "市市场监管局"),
    ("environment", "信用承诺制改革试点", "省发展改革委", "鲁发改", "市发展改革委"),
    ("environment", "“无证明城市”建设试点", "省司法厅", "鲁司", "市司法局"),
    ("environment", "数字政府建设试点", "省大数据局", "鲁数发", "市大数据局"),
    ("opening", "跨境电商产业园建设试点", "省商务厅", "鲁商字", "市商务局"),
    ("opening", "外贸新业态创新试点", "省商务厅", "鲁商字", "市商务局"),
    ("opening", "招商引资体制机制改革试点", "省商务厅", "鲁商字", "市投资促进局"),
    ("rural", "农村产权交易市场规范化建设试点", "省农业农村厅", "鲁农", "市农业农村局"),
    ("rural", "乡村振兴示范区建设", "省委农办", "鲁农办发", "市农业农村局"),
    ("rural", "农业生产托管服务试点", "省农业农村厅", "鲁农", "市农业农村局"),
    ("rural", "农村集体产权制度改革试点", "省农业农村厅", "鲁农", "市农业农村局"),
    ("rural", "土地经营权抵押贷款试点", "省地方金融监管局", "鲁金监发", "市地方金融监管局"),
    ("rural", "农业水价综合改革试点", "省水利厅", "鲁水", "市水利局"),
    ("rural", "供销社综合改革试点", "省供销社", "鲁供销发", "市供销社"),
    ("livelihood", "医养结合示范", "省卫生健康委", "鲁卫", "市卫生健康委"),
    ("livelihood", "义务教育优质均衡发展改革试点", "省教育厅", "鲁教", "市教育局"),
    ("livelihood", "长期护理保险制度试点", "省医保局", "鲁医保发", "市医保局"),
    ("livelihood", "社会救助综合改革试点", "省民政厅", "鲁民", "市民政局"),
    (
        "livelihood",
        "公共就业服务改革试点",
        "省人力资源社会保障厅",
        "鲁人社",
        "市人力资源社会保障局",
    ),
    ("livelihood", "城镇老旧小区改造试点", "省住房城乡建设厅", "鲁建", "市住房城乡建设局"),
    ("livelihood", "生活垃圾分类试点", "省住房城乡建设厅", "鲁建", "市城市管理局"),
    ("livelihood", "生态环境损害赔偿制度改革试点", "省生态环境厅", "鲁环", "市生态环境局"),
)
CITY = (
    ("party", "镇街综合行政执法改革试点", "市委编办"),
    ("party", "“云上公务”推广应用试点", "市大数据局"),
    ("overall", "社区网格化治理改革试点", "市委政法委"),
    ("industry", "市属国有企业薪酬制度改革试点", "市国资委"),
    ("environment", "政务服务“跨省通办”试点", "市行政审批服务局"),
    ("environment", "项目建设“拿地即开工”改革试点", "市自然资源和规划局"),
    ("rural", "农村人居环境长效管护机制试点", "市农业农村局"),
    ("livelihood", "中小学校长职级制改革试点", "市教育局"),
    ("livelihood", "家庭医生签约服务提质试点", "市卫生健康委"),
)
COUNTS = {Level.NATIONAL: 32, Level.PROVINCIAL: 106, Level.CITY: 18}
COUNTIES = (
    "德城区",
    "陵城区",
    "禹城市",
    "乐陵市",
    "临邑县",
    "平原县",
    "夏津县",
    "武城县",
    "庆云县",
    "宁津县",
    "齐河县",
    "天衢新区",
    "运河经济开发区",
)
# What the practices a pilot yields are called, by area.
PRACTICES = {
    "overall": (
        "改革任务“清单+闭环”落实机制",
        "改革成效第三方评估办法",
        "基层改革创新案例培育机制",
    ),
    "party": ("“党建+网格”基层治理模式", "村级权力运行“流程图”", "机关“一线工作法”"),
    "industry": (
        "“亩产效益”分类评价和要素差别化配置",
        "“技术经纪人”成果转化机制",
        "企业“首席服务官”制度",
    ),
    "environment": ("“一链办理”主题式审批", "告知承诺制审批清单", "“信用+”分级分类监管"),
    "opening": (
        "跨境电商“一站式”公共服务平台",
        "产业链精准招商“双招双引”机制",
        "外贸企业“白名单”服务",
    ),
    "rural": (
        "集体经营性建设用地“一张图”入市流程",
        "宅基地“有偿退出、集中安置”做法",
        "“村社共建”联农带农机制",
    ),
    "livelihood": (
        "“县乡一体、乡村一体”医共体管理",
        "“互联网+护理服务”模式",
        "社区养老“中央厨房”助餐服务",
    ),
}
SCOPES = (
    "在全市推广",
    "在全省复制推广",
    "被省委改革办印发推广",
    "在各县市区复制推广",
    "入选全国典型案例",
)
SETTLED = ("已制定配套制度文件", "已纳入部门规范性文件", "已形成操作规程和工作指引")
SUMMARIES = (
    "经第三方评估，试点{n}项改革任务全部完成，形成制度成果{k}项，成效明显，具备复制推广条件。",
    "评估认为，试点目标基本实现，完成改革任务{n}项，形成可复制经验{k}条，建议在更大范围推广。",
    "试点按期完成，{n}项任务中{m}项达到预期，形成制度文件{k}件；个别事项转入常态化推进。",
)


def _place_units(home: Jurisdiction) -> dict[str, Unit]:
    return {u.name: u for u in Unit.objects.filter(jurisdiction=home)}


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _titles(level: str) -> list[tuple[str, str, str, str, str, str]]:
    """(area, title, body, prefix, unit name, place) for the level's demo pilots: the
    subjects in turn, each at the city or at a county it has not been at yet."""
    city = settings.DUCHA_CITY
    subjects = {
        Level.NATIONAL: NATIONAL,
        Level.PROVINCIAL: PROVINCIAL,
        Level.CITY: tuple((a, s, "市委全面深化改革委员会", "德改发", u) for a, s, u in CITY),
    }[level]
    places = (city, *COUNTIES)
    out = []
    for i in range(COUNTS[level]):
        area, subject, body, prefix, unit = subjects[i % len(subjects)]
        # Round r puts subject k at place (k * 5 + r * 3) mod 14: no place twice per subject.
        place = places[((i % len(subjects)) * 5 + (i // len(subjects)) * 3) % len(places)]
        out.append((area, f"{place}{subject}", body, prefix, unit, place))
    return out


def _plan(rng, level, row, units, tasks_by_area, areas):
    area_key, title, body, prefix, unit_name, place = row
    unit = units.get(place) or units.get(unit_name) or next(iter(units.values()))
    approved = _day(rng, dt.date(2019, 1, 10), dt.date(2021, 12, 20))
    age = (TODAY - approved).days
    pick = rng.random()
    if age < 180:
        status = Status.APPROVED if pick < 0.6 else Status.IN_PROGRESS
    elif age < 540:
        status = Status.IN_PROGRESS if pick < 0.8 else Status.EVALUATED
    else:
        status = (
            Status.IN_PROGRESS
            if pick < 0.45
            else Status.EVALUATED
            if pick < 0.7
            else Status.PROMOTED
        )
    pilot = Pilot(
        jurisdiction_id=unit.jurisdiction_id,
        title=title,
        level=level,
        approving_body=body,
        approval_number=f"{prefix}〔{approved.year}〕{rng.randint(3, 180)}号",
        approved_on=approved,
        area=areas.get(area_key),
        lead_unit=unit,
        status=status,
    )
    if status != Status.APPROVED:
        pilot.started_on = min(approved + dt.timedelta(days=rng.randint(15, 90)), TODAY)
    if status in Pilot.BEFORE_EVALUATION:
        bucket = rng.random()
        if bucket < 0.12:  # past, not evaluated
            pilot.evaluation_due = _day(rng, dt.date(2021, 11, 15), TODAY - dt.timedelta(days=1))
        elif bucket < 0.27:  # near: within the reminder's 30 days
            pilot.evaluation_due = _day(rng, TODAY, TODAY + dt.timedelta(days=28))
        else:
            pilot.evaluation_due = _day(rng, dt.date(2022, 4, 1), dt.date(2023, 12, 31))
        pilot.evaluation_due = max(pilot.evaluation_due, approved)
    else:
        last = dt.date(2022, 1, 28)
        earliest = max(min(approved + dt.timedelta(days=365), last), pilot.started_on)
        pilot.evaluated_on = _day(rng, earliest, last)
        pilot.evaluation_due = pilot.evaluated_on + dt.timedelta(days=rng.randint(0, 60))
        n = rng.randint(5, 12)
        pilot.evaluation_summary = rng.choice(SUMMARIES).format(
            n=n, m=n - rng.randint(0, 2), k=rng.randint(2, 6)
        )
        if status == Status.PROMOTED:
            pilot.promoted_on = _day(
                rng,
                pilot.evaluated_on + dt.timedelta(days=1),
                min(pilot.evaluated_on + dt.timedelta(days=120), TODAY - dt.timedelta(days=1)),
            )
    candidates = tasks_by_area.get(area_key, [])
    led = [pk for pk, lead in candidates if lead == unit.pk]
    chosen = led[:1] + rng.sample(
        [pk for pk, _ in candidates], min(len(candidates), rng.randint(1, 2))
    )
    practices = []
    if status in (Status.EVALUATED, Status.PROMOTED):
        count = 1 if status == Status.EVALUATED else rng.randint(1, 3)
        for name in rng.sample(PRACTICES[area_key], count):
            practices.append(
                Practice(
                    title=f"{place}{name}",
                    description=f"{title}中探索形成，{rng.choice(SETTLED)}。",
                    scope="" if status == Status.EVALUATED else rng.choice(SCOPES),
                    promoted_on=None
                    if status == Status.EVALUATED
                    else _day(rng, pilot.promoted_on, TODAY - dt.timedelta(days=1)),
                )
            )
    return pilot, sorted(set(chosen)), practices


def seed() -> list[str]:
    """Create or refresh this app's demo data (running it again changes nothing); the lines
    `ducha demo` prints about it."""
    home = Jurisdiction.objects.home()
    with transaction.atomic():
        units = _place_units(home)
        if not units:
            return []
        areas = {a.key: a for a in Area.objects.all()}
        tasks_by_area: dict[str, list[tuple[int, int]]] = {}
        for pk, area_key, lead in Task.objects.filter(jurisdiction=home).values_list(
            "pk", "area__key", "lead_unit_id"
        ):
            tasks_by_area.setdefault(area_key, []).append((pk, lead))
        rng = random.Random(2021)  # noqa: S311 (the same demo every time, no secret)
        planned = [
            _plan(rng, level, row, units, tasks_by_area, areas)
            for level in (Level.NATIONAL, Level.PROVINCIAL, Level.CITY)
            for row in _titles(level)
        ]
        there = set(Pilot.objects.filter(jurisdiction=home).values_list("title", flat=True))
        new = [(p, t, x) for p, t, x in planned if p.title not in there]
        if new:
            Pilot.objects.bulk_create([p for p, _, _ in new])
            saved = dict(
                Pilot.objects.filter(
                    jurisdiction=home, title__in=[p.title for p, _, _ in new]
                ).values_list("title", "pk")
            )
            Pilot.tasks.through.objects.bulk_create(
                Pilot.tasks.through(pilot_id=saved[p.title], task_id=t)
                for p, tasks, _ in new
                for t in tasks
            )
            for p, _, practices in new:
                for x in practices:
                    x.pilot_id = saved[p.title]
            Practice.objects.bulk_create([x for _, _, xs in new for x in xs])
    return [_summary(home)]


def _summary(home: Jurisdiction) -> str:
    levels = Counter(Pilot.objects.filter(jurisdiction=home).values_list("level", flat=True))
    statuses = Counter(Pilot.objects.filter(jurisdiction=home).values_list("status", flat=True))
    practices = Practice.objects.filter(pilot__jurisdiction=home).count()
    return (
        f"改革试点：国家级{levels[Level.NATIONAL]}个、省级{levels[Level.PROVINCIAL]}个、"
        f"市级{levels[Level.CITY]}个（已评估{statuses[Status.EVALUATED]}个、"
        f"已复制推广{statuses[Status.PROMOTED]}个，可复制推广经验{practices}条）"
    )
