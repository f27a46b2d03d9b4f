"""Unit and leader names, and nodes in one cell, as offices write them."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ducha.ledger.names import (
    SEPARATORS,
    Names,
    People,
    Person,
    closest,
    split_leaders,
    split_nodes,
    split_units,
)

# --- units ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("市财政局", ["市财政局"]),
        ("市财政局、市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局,市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局，市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局;市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局；市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局/市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局／市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局\n市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局\r\n市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局 市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局\u3000市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局\u00a0市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局 \u3000\t市发展改革委", ["市财政局", "市发展改革委"]),
        ("市财政局、 市发展改革委 、", ["市财政局", "市发展改革委"]),
        ("、、市财政局，，", ["市财政局"]),
        # 和 and 及 are inside names
        ("市工业和信息化局、市住房和城乡建设局", ["市工业和信息化局", "市住房和城乡建设局"]),
        ("市人力资源和社会保障局及市医保局", ["市人力资源和社会保障局及市医保局"]),
        # brackets are part of a name, with whatever they hold
        ("市发展和改革委员会（市粮食局）", ["市发展和改革委员会（市粮食局）"]),
        (
            "市委办公室（市委机要局、市委保密办），市财政局",
            ["市委办公室（市委机要局、市委保密办）", "市财政局"],
        ),
        ("市委办公室(市委 机要局)", ["市委办公室(市委机要局)"]),
        # each name once, in the written order
        ("市财政局、市教育局、市财政局", ["市财政局", "市教育局"]),
        ("", []),
        ("  \u3000 ", []),
    ],
)
def test_unit_cells_split_on_every_separator_people_use(text, names):
    assert split_units(text) == Names(tuple(names), ())


@pytest.mark.parametrize(
    ("text", "names", "note"),
    [
        ("市工业和信息化局等", ["市工业和信息化局"], "「市工业和信息化局等」末尾的「等」已去掉"),
        (
            "市财政局、市教育局等单位",
            ["市财政局", "市教育局"],
            "「市教育局等单位」末尾的「等单位」已去掉",
        ),
        (
            "市财政局、市教育局等部门",
            ["市财政局", "市教育局"],
            "「市教育局等部门」末尾的「等部门」已去掉",
        ),
        (
            "市财政局、市教育局等相关单位",
            ["市财政局", "市教育局"],
            "「市教育局等相关单位」末尾的「等相关单位」已去掉",
        ),
        ("市财政局、市教育局 等", ["市财政局", "市教育局"], "「等」已去掉"),
        (
            "市财政局（牵头）、市教育局",
            ["市财政局", "市教育局"],
            "「市财政局（牵头）」中的「（牵头）」已去掉",
        ),
    ],
)
def test_a_trailing_etc_is_removed_and_said(text, names, note):
    assert split_units(text) == Names(tuple(names), (note,))


_OUTSIDE_BRACKETS = re.compile(r"[（(【〔\[][^（()）【】〔〕\[\]]*[）)】〕\]]")
_SEPARATOR = re.compile(rf"[{SEPARATORS}\s]")


@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [*SEPARATORS, " ", "\u3000", "\u00a0", "\n", "\t", "等", "（", "）", "(", ")"]
            ),
            st.sampled_from(["市财政局", "市工业和信息化局", "局", "和", "等单位"]),
            st.text(max_size=3),
        ),
        max_size=12,
    ).map("".join)
)
def test_split_units_never_gives_an_empty_name_nor_one_holding_a_separator(text):
    for name in split_units(text).names:
        assert name
        assert not re.search(r"\s", name)
        # Separators may only sit inside a bracketed part: 市委办公室（市委机要局、市委保密办）
        assert not _SEPARATOR.search(_OUTSIDE_BRACKETS.sub("", name))
    assert len(set(split_units(text).names)) == len(split_units(text).names)


# --- leaders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "people", "notes"),
    [
        ("陈静", [("陈静", "")], []),
        ("陈静（副市长）", [("陈静", "副市长")], ["「陈静（副市长）」→ 姓名 陈静，职务 副市长"]),
        ("陈静(副市长)", [("陈静", "副市长")], ["「陈静(副市长)」→ 姓名 陈静，职务 副市长"]),
        (
            "张伟 （常务副市长）",
            [("张伟", "常务副市长")],
            ["「张伟 （常务副市长）」→ 姓名 张伟，职务 常务副市长"],
        ),
        ("刘洋副市长", [("刘洋", "副市长")], ["「刘洋副市长」→ 姓名 刘洋，职务 副市长"]),
        ("刘洋 副市长", [("刘洋", "副市长")], ["「刘洋 副市长」→ 姓名 刘洋，职务 副市长"]),
        ("副市长刘洋", [("刘洋", "副市长")], ["「副市长刘洋」→ 姓名 刘洋，职务 副市长"]),
        ("赵刚市长", [("赵刚", "市长")], ["「赵刚市长」→ 姓名 赵刚，职务 市长"]),
        ("孙丽市长助理", [("孙丽", "市长助理")], ["「孙丽市长助理」→ 姓名 孙丽，职务 市长助理"]),
        (
            "陈静（市委常委、常务副市长）",
            [("陈静", "市委常委、常务副市长")],
            ["「陈静（市委常委、常务副市长）」→ 姓名 陈静，职务 市委常委、常务副市长"],
        ),
        (
            "王芳 市委常委、常务副市长",
            [("王芳", "市委常委、常务副市长")],
            ["「王芳 市委常委、常务副市长」→ 姓名 王芳，职务 市委常委、常务副市长"],
        ),
        (
            "市委常委、常务副市长王芳",
            [("王芳", "市委常委、常务副市长")],
            ["「市委常委、常务副市长王芳」→ 姓名 王芳，职务 市委常委、常务副市长"],
        ),
        (
            "张伟、李娜",
            [("张伟", ""), ("李娜", "")],
            ["「张伟、李娜」→ 2 位领导：张伟、李娜（第一位为主）"],
        ),
        (
            "张伟/李娜",
            [("张伟", ""), ("李娜", "")],
            ["「张伟/李娜」→ 2 位领导：张伟、李娜（第一位为主）"],
        ),
        (
            "张伟 李娜",
            [("张伟", ""), ("李娜", "")],
            ["「张伟 李娜」→ 2 位领导：张伟、李娜（第一位为主）"],
        ),
        (
            "张伟，李娜（副市长）",
            [("张伟", ""), ("李娜", "副市长")],
            [
                "「李娜（副市长）」→ 姓名 李娜，职务 副市长",
                "「张伟，李娜（副市长）」→ 2 位领导：张伟、李娜（第一位为主）",
            ],
        ),
        (
            "张伟（常务副市长）、李娜（副市长）",
            [("张伟", "常务副市长"), ("李娜", "副市长")],
            [
                "「张伟（常务副市长）」→ 姓名 张伟，职务 常务副市长",
                "「李娜（副市长）」→ 姓名 李娜，职务 副市长",
                "「张伟（常务副市长）、李娜（副市长）」→ 2 位领导：张伟、李娜（第一位为主）",
            ],
        ),
        # A two-character name padded to three, as offices align names: one person.
        ("张 伟", [("张伟", "")], ["「张 伟」→ 姓名 张伟（去掉了姓名中的空格）"]),
        ("张\u3000伟", [("张伟", "")], ["「张\u3000伟」→ 姓名 张伟（去掉了姓名中的空格）"]),
        ("欧阳 明", [("欧阳明", "")], ["「欧阳 明」→ 姓名 欧阳明（去掉了姓名中的空格）"]),
        (
            "张 伟（副市长）",
            [("张伟", "副市长")],
            [
                "「张 伟（副市长）」→ 姓名 张伟（去掉了姓名中的空格）",
                "「张 伟（副市长）」→ 姓名 张伟，职务 副市长",
            ],
        ),
        ("张伟等", [("张伟", "")], ["「张伟等」末尾的「等」已去掉"]),
        # One person named twice is one leader, with the title written either time.
        (
            "张伟、张伟（副市长）",
            [("张伟", "副市长")],
            ["「张伟、张伟（副市长）」→ 姓名 张伟，职务 副市长"],
        ),
        # A surname and a title is not a name with a title: kept whole, for the office to see.
        ("李主任", [("李主任", "")], []),
        ("", [], []),
    ],
)
def test_leader_cells_split_names_from_titles(text, people, notes):
    assert split_leaders(text) == People(tuple(Person(*p) for p in people), tuple(notes))


@given(
    st.lists(
        st.one_of(
            st.sampled_from([*SEPARATORS, " ", "\u3000", "\n", "（", "）", "(", ")"]),
            st.sampled_from(["张伟", "张", "伟", "副市长", "市委常委", "陈静（副市长）", "等"]),
            st.text(max_size=3),
        ),
        max_size=10,
    ).map("".join)
)
def test_split_leaders_gives_clean_names_once_each(text):
    people = split_leaders(text).people
    names = [p.name for p in people]
    assert all(names) and len(set(names)) == len(names)
    assert not any(re.search(r"\s", n) for n in names)


def test_a_title_without_a_name_is_kept_and_said():
    assert split_leaders("副市长") == People(
        (Person("副市长"),), ("「副市长」只写了职务，没有姓名",)
    )


def test_separators_inside_a_bracketed_title_do_not_split_leaders():
    people = split_leaders("王芳（市委常委，常务副市长）；刘洋（副市长）").people
    assert [p.name for p in people] == ["王芳", "刘洋"]
    assert people[0].title == "市委常委，常务副市长"


# --- closest -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "existing", "expected"),
    [
        ("市工业和信息化局等", ["市财政局", "市工业和信息化局"], "市工业和信息化局"),
        ("市发改委", ["市发展改革委", "市财政局"], "市发展改革委"),
        ("工业和信息化局", ["市财政局", "市工业和信息化局"], "市工业和信息化局"),
        ("陈静（副市长）", ["陈静", "李娜"], "陈静"),
        ("市财政局", ["市财政局", "市财政局国库中心"], "市财政局"),
        ("市ＸＹ局", ["市XY局"], "市XY局"),
        ("市公安局", ["市统计局", "市医保局"], None),
        ("陈静", ["李娜", "张伟"], None),
        ("市财政局", [], None),
        ("", ["市财政局"], None),
    ],
)
def test_closest_names_the_existing_name_a_new_one_resembles(name, existing, expected):
    assert closest(name, existing) == expected


def test_closest_breaks_ties_the_same_way_whatever_the_order():
    names = ["市体育局", "市教育厅"]  # each as like 市教育局 as the other
    assert closest("市教育局", names) == closest("市教育局", reversed(names)) == "市体育局"


# --- nodes in one cell ---------------------------------------------------------------

TWO = [("2021年6月底前", "制定方案"), ("2021年12月底前", "全面推开")]


@pytest.mark.parametrize(
    "text",
    [
        "1. 2021年6月底前：制定方案；2. 2021年12月底前：全面推开",
        "1.2021年6月底前：制定方案；2.2021年12月底前：全面推开。",
        "1、2021年6月底前：制定方案\n2、2021年12月底前：全面推开",
        "1．2021年6月底前:制定方案;2．2021年12月底前:全面推开",
        "（1）2021年6月底前，制定方案。（2）2021年12月底前，全面推开。",
        "(1)2021年6月底前,制定方案(2)2021年12月底前,全面推开",
        "①2021年6月底前 制定方案②2021年12月底前 全面推开",
        "1. 2021年6月底前：制定方案2. 2021年12月底前：全面推开",
        " 1. 2021年6月底前： 制定方案；\n 2. 2021年12月底前： 全面推开 ",
        "2021年6月底前：制定方案\n2021年12月底前：全面推开",
    ],
)
def test_numbered_nodes_in_one_cell_split_into_dated_targets(text):
    assert split_nodes(text) == TWO


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("1. 2021年6月底前：制定方案", [("2021年6月底前", "制定方案")]),
        ("2021年6月底前：制定方案", [("2021年6月底前", "制定方案")]),
        (
            "1. 6月底前：制定方案；2. 年底前：全面推开",
            [("6月底前", "制定方案"), ("年底前", "全面推开")],
        ),
        ("1. 上半年：制定方案；2. 第三季度：试点", [("上半年", "制定方案"), ("第三季度", "试点")]),
        ("1. 2021年 6月底前：制定方案", [("2021年 6月底前", "制定方案")]),
        ("1. 2021年6月底前，制定方案，明确分工", [("2021年6月底前", "制定方案，明确分工")]),
        ("1. 2021.6.30：制定方案", [("2021.6.30", "制定方案")]),
        # a number inside a target is not the next item
        (
            "1. 2021年6月底前：开展3、6月份检查；2. 2021年12月底前：完成2.5亿元投资",
            [("2021年6月底前", "开展3、6月份检查"), ("2021年12月底前", "完成2.5亿元投资")],
        ),
        # a date that does not read is still the item's date: the importer says what is wrong
        ("1. 2021年13月底前：制定方案", [("2021年13月底前", "制定方案")]),
    ],
)
def test_dated_items_keep_their_date_phrase_and_target(text, items):
    assert split_nodes(text) == items


@pytest.mark.parametrize(
    "text",
    [
        "制定方案",
        "2021年6月底前完成方案制定",  # one target that mentions its date
        "1. 制定方案；2. 全面推开",  # numbered, but no dates
        "1. 2021年6月底前：制定方案；2. 全面推开",  # one item undated
        "1. 2021年6月底前：制定方案；3. 2021年12月底前：全面推开",  # a number skipped
        "2021年6月底前：制定方案\n全面推开",
        "根据1. 2021年6月底前的要求制定方案",
        "",
    ],
)
def test_a_cell_that_is_not_a_list_of_dated_items_is_one_node(text):
    assert split_nodes(text) is None


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["1. ", "2、", "（3）", "①", "；", "：", "\n", " ", "，"]),
            st.sampled_from(["2021年6月底前", "上半年", "6月", "制定方案", "3、6月份"]),
            st.text(max_size=3),
        ),
        max_size=10,
    ).map("".join)
)
def test_split_nodes_gives_dated_items_or_none(text):
    items = split_nodes(text)
    assert items is None or (items and all(date.strip() for date, _ in items))
