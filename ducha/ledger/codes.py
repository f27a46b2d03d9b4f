"""What a task or node code may be: one definition for the importer and for the URLs.

A task code is a path segment (/tasks/<code>/, /reports/<code>/<month>/), so a code the
importer accepted but a URL could not carry (`SL/ASH`, `Q?#x`, `..`) would be a task nobody
can ever report on. Codes are therefore letters and digits, Latin or Chinese, with - _ .
inside; the first character is a letter or a digit, so `.` and `..` (which browsers fold
away) are not codes. The URL converter below matches exactly the codes the importer takes.
"""

from __future__ import annotations

import re

from ducha.ledger.models import Node, Task

# The columns' own lengths: a longer code could not be stored.
TASK_CODE_LENGTH: int = Task._meta.get_field("code").max_length
NODE_CODE_LENGTH: int = Node._meta.get_field("code").max_length

_LETTERS = "0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs and extension A
TASK_CODE_PATTERN = rf"[{_LETTERS}][{_LETTERS}._-]{{0,{TASK_CODE_LENGTH - 1}}}"
_ALPHABET = re.compile(rf"[{_LETTERS}][{_LETTERS}._-]*\Z")
ALPHABET_WORDS = "字母、数字、汉字及 - _ .，且以字母、数字或汉字开头"


def code_problem(code: str, what: str, limit: int) -> str | None:
    """Why `code` cannot be a code (a sentence naming it), or None when it can."""
    if len(code) > limit:
        return f"{what} {code[:limit]}… 共 {len(code)} 个字符，超过上限 {limit} 个字符"
    if not _ALPHABET.match(code):
        bad = sorted({c for c in code if not re.match(rf"[{_LETTERS}._-]", c)})
        shown = "、".join(f"「{c}」" if c.strip() else "空格" for c in bad)
        why = f"含有不能用于网址的字符 {shown}" if bad else "不能以 . - _ 开头"
        return f"{what} {code} {why}：只能使用{ALPHABET_WORDS}"
    return None


class TaskCodeConverter:
    """<taskcode:code> in a URL: exactly the codes the importer accepts."""

    regex = TASK_CODE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
