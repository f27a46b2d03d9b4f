"""The columns of the ledger and progress files (SPEC.md §4): names, aliases, matching."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ducha.lib.tabular import cell_text, halfwidth


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the Chinese header we write
    aliases: tuple[str, ...] = ()
    required: bool = True


LEDGER_COLUMNS = (
    Column("task_code", "任务编号", ("任务代码", "编号", "code")),
    # A ledger numbered only by 序号 gets its task codes made from area and number.
    Column("seq", "序号", ("seq", "no", "no."), False),
    Column("area", "领域", ("改革领域", "所属领域", "板块", "类别")),
    Column("title", "任务名称", ("task", "改革任务", "任务", "改革事项", "任务内容")),
    Column("source", "任务来源", ("来源", "任务类别")),
    Column(
        "leader",
        "分管市领导",
        ("分管领导", "责任市领导", "牵头市领导", "市领导", "责任领导", "牵头领导", "市级领导"),
    ),
    Column("lead_unit", "牵头单位", ("责任单位", "牵头部门", "主责单位")),
    Column(
        "co_units",
        "配合单位",
        ("co_units", "协同单位", "配合部门", "参与单位", "协办单位"),
        False,
    ),
    Column("node_code", "节点编号", ("节点代码",), False),
    Column("node", "节点目标", ("节点任务", "节点任务目标", "节点名称", "节点")),
    Column(
        "due",
        "完成时限",
        ("时限", "完成时间", "截止时间", "节点时限", "时间节点", "时限要求"),
    ),
    # Optional columns that the export writes so that a round trip keeps everything.
    Column("requirements", "工作要求", ("要求",), False),
    Column("start_month", "起始月份", ("start", "开始月份", "起评月份"), False),
    Column("status", "任务状态", ("task_status",), False),
)

PROGRESS_COLUMNS = (
    Column("task_code", "任务编号", ("任务代码", "编号", "code")),
    Column("node_code", "节点编号", ("节点代码",)),
    Column("month", "月份", ("报送月份", "填报月份", "report_month")),
    Column("status", "状态", ("节点状态", "完成状态", "进展状态")),
    Column("done_on", "完成日期", ("完成时间", "实际完成日期"), False),
    Column("percent", "进度", ("完成进度", "进度(%)", "完成比例", "完成百分比"), False),
    Column("note", "进展情况", ("备注", "说明", "进展", "情况说明"), False),
)

# A ledger (or progress file) may say whose it is: a county's ledger carries its county in
# every row. The blank templates do not ask for it, so it is read, never written there.
JURISDICTION_COLUMN = Column("jurisdiction", "辖区", ("县市区", "jurisdiction"), False)
LEDGER_FILE_COLUMNS = (*LEDGER_COLUMNS, JURISDICTION_COLUMN)
PROGRESS_FILE_COLUMNS = (*PROGRESS_COLUMNS, JURISDICTION_COLUMN)


_QUALIFIER = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
IGNORE = "ignore"
IGNORE_WORDS = ("忽略", "ignore", "不导入", "-")


def fold(text: object) -> str:
    """A header cell as compared: half-width, lower case, no spaces, no * and no bracketed
    qualifier ("任务来源（省定/市定）" and "进度(%)" are 任务来源 and 进度)."""
    text = halfwidth(cell_text(text)).lower()
    text = _QUALIFIER.sub("", text)
    for junk in ("*", " ", "\n", "必填", ":", "："):
        text = text.replace(junk, "")
    return text


def lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Every folded spelling of every column → its key."""
    spellings: dict[str, str] = {}
    for col in columns:
        for spelling in (col.key, col.title, *col.aliases):
            spellings.setdefault(fold(spelling), col.key)
    return spellings


def field_for(name: str, columns: tuple[Column, ...]) -> str | None:
    """The key a --map target names (a key, a title or an alias), IGNORE, or None."""
    if fold(name) in {fold(w) for w in IGNORE_WORDS}:
        return IGNORE
    return lookup(columns).get(fold(name))


def match_header(cells: list[object], columns: tuple[Column, ...]) -> dict[str, int]:
    """Map column keys to 0-based positions in a header row (the first column of each)."""
    spellings = lookup(columns)
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = spellings.get(fold(cell))
        if key and key not in found:
            found[key] = index
    return found
