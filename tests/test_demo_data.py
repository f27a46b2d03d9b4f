"""The Dezhou-2021 demo data generator (pure: no database)."""

import datetime as dt
import re
import time
from collections import Counter, defaultdict

import pytest

from ducha.demo.dezhou import DemoData, generate
from ducha.lib.months import month_end
from ducha.ratings.rules import NodeFacts, Row, TaskFacts, month_index, rate

AREAS = {"overall", "party", "industry", "environment", "opening", "rural", "livelihood"}
MONTHS_2021 = [dt.date(2021, m, 1) for m in range(1, 13)]

# The reforms Dezhou reported for 2021, each in the area it belongs to.
REAL_ITEMS = {
    "overall": ["系统集成意见", "陵城模式", "开门搞改革"],
    "party": ["政治生态分析研判", "严真细实快", "党建联合体", "一次办好", "云上公务", "四色"],
    "industry": [
        "三三倍增",
        "挂图作战",
        "先进制造业强市25条",
        "亩产效益",
        "新赛道",
        "国家创新型城市",
        "千项技改",
    ],
    "environment": [
        "优化营商环境条例",
        "“六稳”“六保”",
        "信易批+失信制约",
        "无证明城市",
        "双全双百",
        "一件事、一链办",
        "全域通办",
        "跨省异地线下办",
        "社会信用体系建设示范区",
        "人才发展集团",
        "标准地",
        "无水港",
        "首席政府服务官",
        "主办行+中期流动资金贷款",
    ],
    "opening": [
        "天衢新区发展规划",
        "黄河流域生态保护和高质量发展",
        "现代农业科学城",
        "省会经济圈",
        "医药产业走廊",
        "招商“新打法”",
        "百企下南洋",
    ],
    "rural": [
        "吨半粮",
        "乡村振兴实践研究院",
        "农村劳动力就业集成改革",
        "德州味",
        "农业食品创新产业园区",
        "大豆",
        "100个中心村",
        "新型经营主体",
        "集体经营性建设用地入市",
        "宅基地",
        "灌溉用电价格",
        "粮食商行",
        "军粮供应",
    ],
    "livelihood": [
        "社会大救助",
        "居家办",
        "交通领域系统集成",
        "残疾人专用代步车",
        "冬季公交免费",
        "教师十件实事",
        "职业教育社会培训",
        "国家医疗保障信息平台",
        "德州惠民保",
        "水系连通",
        "数智德州",
    ],
}
COUNTIES = {
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
}


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def facts(data: DemoData) -> list[TaskFacts]:
    rows = defaultdict(list)
    for p in data.progress:
        rows[p.task].append(Row(p.node, month_index(p.month), p.status, p.percent))
    return [
        TaskFacts(
            t.code,
            tuple(NodeFacts(n.code, n.title, month_index(n.due)) for n in t.nodes),
            tuple(rows[t.code]),
            status=t.status,
        )
        for t in data.tasks
    ]


def mix(data: DemoData) -> dict[dt.date, Counter]:
    tasks = facts(data)
    return {m: Counter(rate(t, month_index(m)).rating for t in tasks) for m in MONTHS_2021}


def shares(counts: Counter) -> dict[str, float]:
    rated = sum(n for icon, n in counts.items() if icon is not None)
    return {icon: counts[icon] / rated for icon in ("horse", "ox", "ostrich", "snail")}


def task_with(data: DemoData, words: str):
    (task,) = [t for t in data.tasks if words in t.title]
    return task


# The ledger


def test_it_generates_186_tasks_112_provincial_and_74_city(data):
    assert len(data.tasks) == 186
    assert Counter(t.source for t in data.tasks) == {"provincial": 112, "city": 74}


def test_it_spreads_the_tasks_over_the_1_plus_6_areas(data):
    per_area = Counter(t.area for t in data.tasks)
    assert set(per_area) == AREAS
    assert min(per_area.values()) >= 8


def test_task_codes_are_unique_and_sort_in_ledger_order(data):
    codes = [t.code for t in data.tasks]
    assert all(re.fullmatch(r"DZ2021-\d{3}", c) for c in codes)
    assert codes == sorted(set(codes))


def test_it_uses_the_reforms_dezhou_reported_in_their_areas(data):
    for area, items in REAL_ITEMS.items():
        for item in items:
            assert task_with(data, item).area == area, item


def test_titles_are_unique_and_free_of_placeholders_and_ascii_quotes(data):
    titles = [t.title for t in data.tasks]
    assert len(set(titles)) == len(titles)
    for title in titles:
        assert not re.search(r"改革任务\d|任务\d+$", title)
        assert '"' not in title and "'" not in title
        assert title.count("“") == title.count("”")
        assert len(title) >= 6


def test_every_unit_named_on_a_task_is_a_known_unit(data):
    kinds = dict(data.units)
    assert len(kinds) == len(data.units)
    assert set(kinds.values()) == {"municipal", "county", "other"}
    assert {u for u, kind in kinds.items() if kind == "county"} == COUNTIES
    assert 38 <= sum(kind == "municipal" for kind in kinds.values()) <= 50
    for task in data.tasks:
        assert task.lead_unit in kinds
        assert set(task.co_units) <= set(kinds)
        assert task.lead_unit not in task.co_units
        assert len(set(task.co_units)) == len(task.co_units)


def test_lead_units_own_their_tasks(data):
    for task in data.tasks:
        if "粮" in task.title:
            assert task.lead_unit in {"市农业农村局", "市粮食和储备局"}, task.title
    assert task_with(data, "陵城模式").lead_unit in {"陵城区", "市委政法委"}
    assert task_with(data, "德州惠民保").lead_unit == "市医保局"
    assert task_with(data, "教师十件实事").lead_unit == "市教育局"
    assert task_with(data, "残疾人专用代步车").lead_unit == "市残联"
    assert task_with(data, "政治生态分析研判").lead_unit in {"市纪委监委", "市委组织部"}


def test_reform_reaches_the_counties_through_some_tasks(data):
    cascading = [t for t in data.tasks if COUNTIES & set(t.co_units)]
    assert 0.15 <= len(cascading) / len(data.tasks) <= 0.6
    assert any(set(t.co_units) >= COUNTIES for t in data.tasks)
    lingcheng = task_with(data, "陵城模式")
    assert "陵城区" in {lingcheng.lead_unit, *lingcheng.co_units}


def test_it_names_eight_to_ten_leaders_and_one_or_two_per_area(data):
    names = [name for name, _ in data.leaders]
    assert 8 <= len(names) == len(set(names)) <= 10
    assert all("市" in title for _, title in data.leaders)
    per_area = defaultdict(set)
    for task in data.tasks:
        assert task.leader in names
        per_area[task.area].add(task.leader)
    assert all(1 <= len(leaders) <= 2 for leaders in per_area.values())


def test_every_task_has_requirements_and_one_to_five_nodes_coded_in_order(data):
    for task in data.tasks:
        assert 1 <= len(task.nodes) <= 5
        assert [n.code for n in task.nodes] == [f"N{k}" for k in range(1, len(task.nodes) + 1)]
        assert len({n.title for n in task.nodes}) == len(task.nodes)
        assert task.requirements.endswith("。")


def test_node_dues_fall_in_2021_with_a_few_in_2022(data):
    dues = [n.due for t in data.tasks for n in t.nodes]
    assert all(d.day == 1 and dt.date(2021, 1, 1) <= d <= dt.date(2022, 12, 1) for d in dues)
    assert all(t.nodes[0].due.year == 2021 for t in data.tasks)  # so every task is rated in 2021
    assert all([n.due for n in t.nodes] == sorted({n.due for n in t.nodes}) for t in data.tasks)
    in_2022 = sum(d.year == 2022 for d in dues)
    assert 0 < in_2022 < 0.15 * len(dues)
    assert len({d.month for d in dues if d.year == 2021}) == 12


def test_due_texts_mix_a_clerks_forms_and_name_the_due_month(data):
    forms = Counter()
    for task in data.tasks:
        for node in task.nodes:
            text = node.due_text
            year, month = map(int, re.match(r"(\d{4})\D(\d{1,2})", text).groups())
            assert (year, month) == (node.due.year, node.due.month), text
            if "/" in text:
                assert int(text.rsplit("/", 1)[1]) == month_end(node.due).day
            forms[re.sub(r"\d+", "9", text)] += 1
    assert {"9-9", "9年9月底", "9/9/9", "9年9月"} <= set(forms)


# The monthly reports


def test_progress_rows_are_monthly_reports_of_2021_on_existing_nodes(data):
    nodes = {(t.code, n.code) for t in data.tasks for n in t.nodes}
    keys = [(p.task, p.node, p.month) for p in data.progress]
    assert len(set(keys)) == len(keys)
    assert {(p.task, p.node) for p in data.progress} <= nodes
    assert {p.month for p in data.progress} == set(MONTHS_2021)
    assert keys == sorted(keys, key=lambda k: (k[0], k[2], k[1]))


def test_rows_carry_a_status_a_percent_and_a_chinese_note(data):
    for p in data.progress:
        assert p.status in {"not_started", "in_progress", "done"}
        if p.status == "in_progress":
            assert 0 < p.percent < 100
        elif p.status == "not_started":
            assert p.percent in (None, 0)
        assert re.search(r"[\u4e00-\u9fff]{4}", p.note)
    assert Counter(p.status for p in data.progress).keys() == {
        "not_started",
        "in_progress",
        "done",
    }


def test_a_done_row_is_dated_inside_its_report_month(data):
    done = [p for p in data.progress if p.status == "done"]
    assert done
    for p in done:
        assert p.month <= p.done_on <= month_end(p.month)
        assert p.percent == 100
    assert all(p.done_on is None for p in data.progress if p.status != "done")


def test_a_node_is_not_reported_after_it_is_done_and_its_percent_never_falls(data):
    rows = defaultdict(list)
    for p in data.progress:
        rows[p.task, p.node].append(p)
    for history in rows.values():
        assert all(p.status != "done" for p in history[:-1])
        percents = [p.percent or 0 for p in history]
        assert percents == sorted(percents)


def test_most_tasks_report_every_month_and_a_few_miss_one(data):
    reported = {(p.task, p.month) for p in data.progress}
    missing = Counter()
    for task in facts(data):
        for month in MONTHS_2021:
            result = rate(task, month_index(month))
            if result.rating is not None and (task.code, month) not in reported:
                missing[task.code] += 1
    assert 0.1 * len(data.tasks) <= len(missing) <= 0.35 * len(data.tasks)
    assert max(missing.values()) <= 3


# The four-colour board that follows


def test_every_month_of_2021_shows_all_four_icons_with_oxen_the_most(data):
    for month, counts in mix(data).items():
        share = shares(counts)
        assert 0.55 <= share["ox"] <= 0.75, (month, counts)
        for icon in ("horse", "ostrich", "snail"):
            assert 0.02 <= share[icon] <= 0.15, (month, icon, counts)


@pytest.mark.parametrize("seed", [1, 7, 42, 2022])
def test_the_mix_is_built_in_rather_than_a_lucky_seed(seed):
    for month, counts in mix(generate(seed)).items():
        share = shares(counts)
        assert 0.55 <= share["ox"] <= 0.8, (month, counts)
        assert all(counts[icon] for icon in ("horse", "ostrich", "snail")), (month, counts)
        assert share["ox"] > max(share["horse"], share["ostrich"], share["snail"])


def test_the_suspended_task_is_never_rated(data):
    (suspended,) = [t for t in facts(data) if t.status == "suspended"]
    assert all(rate(suspended, month_index(m)).rating is None for m in MONTHS_2021)
    assert any(p.task == suspended.code for p in data.progress)


def test_tasks_drop_off_the_board_once_all_their_nodes_are_done(data):
    counts = mix(data)
    assert counts[MONTHS_2021[0]][None] == 1  # only the suspended task
    assert counts[MONTHS_2021[-1]][None] > 1


# The generator


def test_the_same_seed_gives_the_same_data():
    assert generate(5) == generate(5)
    assert generate() == generate(2021)


def test_another_seed_gives_another_year():
    assert generate(1).progress != generate(2).progress
    assert [t.title for t in generate(1).tasks] == [t.title for t in generate(2).tasks]


def test_it_generates_well_within_a_second():
    started = time.perf_counter()
    generate()
    assert time.perf_counter() - started < 1
