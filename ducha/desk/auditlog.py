"""The audit log in words: each entry as one sentence, in the reader's language.

"王科长 于 2022-02-08 14:03 将 DZ2021-037 2022年1月 的评价由<原评价>调整为<新评价>，理由：…"
(the marks' names come from ratings/marks.py, translated). What a reader needs beyond the
sentence (a file's hash, new units) follows as a few labelled details; internal keys never
reach the page. Nothing here queries the database, so the log page costs the same whatever
the entries say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ducha.api.models import ApiToken
from ducha.audit.models import AuditEntry
from ducha.lib import clock
from ducha.lib.dates import month_label
from ducha.lib.months import parse_month
from ducha.ratings.display import shown
from ducha.supervision.models import Step
from ducha.supervision.wording import rule_condition

Action = AuditEntry.Action
HASH_SHOWN = 12


@dataclass(frozen=True)
class Detail:
    label: str
    text: str
    full: str = ""  # the whole value, when `text` is shortened (a hash)


@dataclass(frozen=True)
class Described:
    sentence: str
    details: list[Detail] = field(default_factory=list)


def describe(entry: AuditEntry) -> Described:
    data = entry.data()
    words = {"who": who(entry), "when": when(entry)}
    return SAYINGS.get(entry.action, _something)(entry, data, words)


def who(entry: AuditEntry) -> str:
    if entry.actor_name:
        return entry.actor_name
    if entry.address:
        return _("来自 %(address)s 的访客") % {"address": entry.address}
    return _("系统")


def when(entry: AuditEntry) -> str:
    return clock.local(entry.at).strftime("%Y-%m-%d %H:%M")


def short_hash(label: str, value: str) -> Detail:
    return Detail(label, f"{value[:HASH_SHOWN]}…", value)


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _moment(text: str) -> str:
    """An ISO moment from a detail, as the sentences write time (local, to the minute)."""
    try:
        return clock.local(dt.datetime.fromisoformat(text)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def _task_and_month(entry: AuditEntry, data: dict) -> dict:
    """The task code and the month label an entry is about.

    Entries written before the task and month columns existed carry them only in their
    label (a report is "DZ2021-012 2022-01", a task "DZ2021-012 title") and detail.
    """
    code, month = entry.task_code, entry.month
    label = entry.target_label
    if not code and entry.target_type in {"Report", "Task", "Override"}:
        code = label.partition(" ")[0]
    if month is None:
        candidates = [_text(data, "month")]
        if entry.target_type == "Report":
            candidates.append(label.partition(" ")[2])
        for text in candidates:
            try:
                month = parse_month(text)
                break
            except ValueError:
                continue
    return {
        "task": code or label or "—",
        "month": month_label(month) if month else "—",
    }


def _list(values) -> str:
    return _("、").join(str(v) for v in values)


# One function per action: (entry, detail, {"who", "when"}) -> Described ----------------


def _login(entry, data, words):
    return Described(_("%(who)s 于 %(when)s 登录") % words)


def _login_failed(entry, data, words):
    words["username"] = _text(data, "username")
    return Described(_("%(who)s 于 %(when)s 登录失败（用户名 %(username)s）") % words)


def _logout(entry, data, words):
    reason = data.get("reason")
    if reason == "idle":
        return Described(_("%(who)s 于 %(when)s 因长时间未操作被自动退出") % words)
    if reason == "absolute":
        return Described(_("%(who)s 于 %(when)s 因登录时间超过上限被自动退出") % words)
    return Described(_("%(who)s 于 %(when)s 退出登录") % words)


def _lockout(entry, data, words):
    words |= {"username": _text(data, "username"), "until": _moment(_text(data, "until"))}
    if data.get("scope") == "address":
        text = _("%(who)s 于 %(when)s 登录失败次数过多，该地址暂停登录至 %(until)s")
    elif "wait" in data:  # a username is slowed, no longer locked
        words["wait"] = _text(data, "wait")
        text = _(
            "%(who)s 于 %(when)s 登录失败次数过多，用户名 %(username)s 须等待 %(wait)s 秒"
            "（至 %(until)s）才能再试"
        )
    else:
        text = _("%(who)s 于 %(when)s 登录失败次数过多，用户名 %(username)s 锁定至 %(until)s")
    return Described(text % words)


def _mfa_enrolled(entry, data, words):
    return Described(_("%(who)s 于 %(when)s 启用了两步验证（身份验证器），并领取了恢复码") % words)


def _mfa_failed(entry, data, words):
    words["username"] = _text(data, "username")
    return Described(_("%(who)s 于 %(when)s 输入的动态验证码不正确（用户名 %(username)s）") % words)


def _recovery_code_used(entry, data, words):
    words["left"] = _text(data, "left") or "0"
    return Described(
        _("%(who)s 于 %(when)s 用一个恢复码完成了两步验证，还剩 %(left)s 个恢复码") % words
    )


def _mfa_reset(entry, data, words):
    words["user"] = entry.target_label or _text(data, "username") or entry.target_id
    if data.get("enrolment_code"):
        words["hours"] = _text(data, "hours")
        return Described(
            _("%(who)s 于 %(when)s 为 %(user)s 签发了绑定码（%(hours)s 小时内有效）") % words
        )
    return Described(
        _("%(who)s 于 %(when)s 重置了 %(user)s 的两步验证，其下次登录时须重新绑定") % words
    )


def _report_saved(entry, data, words):
    words |= _task_and_month(entry, data)
    if "evidence" in data:
        words["file"] = _text(data, "evidence")
        return Described(
            _("%(who)s 于 %(when)s 为 %(task)s %(month)s 的报送上传了佐证材料“%(file)s”") % words
        )
    return Described(_("%(who)s 于 %(when)s 保存了 %(task)s %(month)s 的报送草稿") % words)


def _report_submitted(entry, data, words):
    words |= _task_and_month(entry, data)
    return Described(_("%(who)s 于 %(when)s 提交了 %(task)s %(month)s 的报送") % words)


def _report_withdrawn(entry, data, words):
    words |= _task_and_month(entry, data)
    return Described(_("%(who)s 于 %(when)s 撤回了 %(task)s %(month)s 的报送") % words)


def _report_approved(entry, data, words):
    words |= _task_and_month(entry, data)
    if data.get("late"):
        text = _("%(who)s 于 %(when)s 审核通过 %(task)s %(month)s 的报送并报送改革办（逾期报送）")
    else:
        text = _("%(who)s 于 %(when)s 审核通过 %(task)s %(month)s 的报送并报送改革办")
    return Described(text % words)


def _report_sent_back(entry, data, words):
    words |= _task_and_month(entry, data) | {"comment": _text(data, "comment").strip()}
    return Described(
        _("%(who)s 于 %(when)s 将 %(task)s %(month)s 的报送退回填报人，意见：%(comment)s") % words
    )


def _report_accepted(entry, data, words):
    words |= _task_and_month(entry, data)
    return Described(_("%(who)s 于 %(when)s 采用了 %(task)s %(month)s 的报送") % words)


def _report_returned(entry, data, words):
    words |= _task_and_month(entry, data) | {"comment": _text(data, "comment").strip()}
    return Described(
        _("%(who)s 于 %(when)s 将 %(task)s %(month)s 的报送退回单位修改，意见：%(comment)s") % words
    )


def _rating_overridden(entry, data, words):
    words |= _task_and_month(entry, data) | {
        "old": shown(data.get("from")).name,
        "new": shown(data.get("to")).name,
        "reason": _text(data, "reason"),
    }
    if data.get("to"):
        text = _(
            "%(who)s 于 %(when)s 将 %(task)s %(month)s 的评价由%(old)s调整为%(new)s，"
            "理由：%(reason)s"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 撤销了 %(task)s %(month)s 的评价调整，恢复为%(old)s，"
            "理由：%(reason)s"
        )
    details = []
    if entry.target_type == "Task" and " " in entry.target_label:
        details.append(Detail(_("任务"), entry.target_label))
    return Described(text % words, details)


def _board(entry, data, words) -> tuple[dict, list[Detail]]:
    words |= _task_and_month(entry, data) | {"version": _text(data, "version") or "?"}
    sha = _text(data, "sha256")
    return words, [short_hash(_("快照 SHA-256"), sha)] if sha else []


def _board_published(entry, data, words):
    words, details = _board(entry, data, words)
    text = _("%(who)s 于 %(when)s 发布了 %(month)s 公示（第%(version)s版）")
    return Described(text % words, details)


def _board_corrected(entry, data, words):
    words, details = _board(entry, data, words)
    if data.get("reason"):
        words["reason"] = _text(data, "reason")
        text = _(
            "%(who)s 于 %(when)s 发布了 %(month)s 公示的勘误版（第%(version)s版），理由：%(reason)s"
        )
    else:
        text = _("%(who)s 于 %(when)s 发布了 %(month)s 公示的勘误版（第%(version)s版）")
    return Described(text % words, details)


def _month_held(entry, data, words):
    words |= _task_and_month(entry, data) | {"reason": _text(data, "reason").strip()}
    if words["reason"]:
        text = _("%(who)s 于 %(when)s 暂缓自动发布 %(month)s 公示，理由：%(reason)s")
    else:
        text = _("%(who)s 于 %(when)s 暂缓自动发布 %(month)s 公示")
    return Described(text % words)


def _month_released(entry, data, words):
    words |= _task_and_month(entry, data)
    return Described(_("%(who)s 于 %(when)s 解除了 %(month)s 公示的暂缓") % words)


def _task_pushed(entry, data, words):
    names = data.get("names") if isinstance(data.get("names"), list) else []
    words |= {"task": entry.target_label, "to": "、".join(str(n) for n in names)}
    text = _("%(who)s 于 %(when)s 将任务 %(task)s 下达到 %(to)s")
    return Described(text % words, [])


def _task_accepted(entry, data, words):
    words |= {
        "task": entry.target_label,
        "unit": _text(data, "lead_unit"),
        "leader": _text(data, "leader"),
    }
    text = _(
        "%(who)s 于 %(when)s 承接了上级下达的任务 %(task)s：牵头单位 %(unit)s，分管领导 %(leader)s"
    )
    details = []
    tightened = data.get("tightened")
    if isinstance(tightened, dict) and tightened:
        shown = "、".join(f"{code} → {due}" for code, due in tightened.items())
        details.append(Detail(_("提前的节点时限"), shown))
    return Described(text % words, details)


def _ledger_imported(entry, data, words):
    words |= {
        "file": _text(data, "file"),
        "created": _text(data, "created") or "0",
        "updated": _text(data, "updated") or "0",
    }
    if data.get("kind") == "progress":
        text = _(
            "%(who)s 于 %(when)s 导入了月度进展“%(file)s”：新增 %(created)s 条，更新 %(updated)s 条"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 导入了任务台账“%(file)s”：新增 %(created)s 条，更新 %(updated)s 条"
        )
    details = []
    if data.get("new_units"):
        details.append(Detail(_("新建单位"), _list(data["new_units"])))
    if data.get("new_leaders"):
        details.append(Detail(_("新建市领导"), _list(data["new_leaders"])))
    if data.get("sha256"):
        details.append(short_hash(_("文件 SHA-256"), _text(data, "sha256")))
    return Described(text % words, details)


def _exported(entry, data, words):
    what = data.get("what")
    details = []
    file = _text(data, "file") or _text(data, "文件")
    if file:
        details.append(Detail(_("文件"), file))
    if what == "ledger":
        words["rows"] = _text(data, "rows") or "0"
        text = _("%(who)s 于 %(when)s 导出了任务台账（%(rows)s 个节点行）")
    elif what == "board":
        words |= _task_and_month(entry, data) | {"format": _text(data, "format").upper()}
        text = _("%(who)s 于 %(when)s 导出了 %(month)s 公示（%(format)s）")
    elif what == "suggestions":
        words["rows"] = _text(data, "rows") or "0"
        text = _("%(who)s 于 %(when)s 导出了意见建议办理台账（%(rows)s 条）")
    elif entry.target_label:
        words["what"] = entry.target_label
        text = _("%(who)s 于 %(when)s 导出了 %(what)s")
    else:
        text = _("%(who)s 于 %(when)s 导出了数据")
    return Described(text % words, details)


def _user_changed(entry, data, words):
    words["user"] = entry.target_label or entry.target_id
    change = data.get("change")
    if change == "added":
        text = _("%(who)s 于 %(when)s 新建了用户 %(user)s")
    elif change == "deleted":
        text = _("%(who)s 于 %(when)s 删除了用户 %(user)s")
    elif data.get("fields"):
        words["fields"] = _list(data["fields"])
        text = _("%(who)s 于 %(when)s 修改了用户 %(user)s 的%(fields)s")
    else:
        text = _("%(who)s 于 %(when)s 修改了用户 %(user)s")
    return Described(text % words)


def _role_changed(entry, data, words):
    from ducha.org.models import User

    role = _text(data, "role")
    words |= {
        "user": entry.target_label or entry.target_id,
        "role": User.role_label(role),
    }
    return Described(_("%(who)s 于 %(when)s 将用户 %(user)s 的角色改为%(role)s") % words)


def _admin_changed(entry, data, words):
    words |= {"what": _text(data, "model"), "object": entry.target_label or entry.target_id}
    change = data.get("change")
    if change == "added":
        text = _("%(who)s 于 %(when)s 在管理后台新建了%(what)s %(object)s")
    elif change == "deleted":
        text = _("%(who)s 于 %(when)s 在管理后台删除了%(what)s %(object)s")
    elif data.get("fields"):
        words["fields"] = _list(data["fields"])
        text = _("%(who)s 于 %(when)s 在管理后台修改了%(what)s %(object)s 的%(fields)s")
    else:
        text = _("%(who)s 于 %(when)s 在管理后台修改了%(what)s %(object)s")
    return Described(text % words)


def _units_chased(entry, data, words):
    words |= _task_and_month(entry, data) | {"n": data.get("sent", 0)}
    text = _("%(who)s 于 %(when)s 催报了 %(month)s 尚未报送的单位（发出 %(n)s 条）")
    return Described(text % words)


def _notice(entry, data, words) -> dict:
    return words | _task_and_month(entry, data) | {"number": _text(data, "number")}


def _notice_drafted(entry, data, words):
    words = _notice(entry, data, words)
    if data.get("edited"):
        text = _("%(who)s 于 %(when)s 修改了 %(task)s 的督办通知草稿")
    elif data.get("proposal"):
        text = _("%(who)s 于 %(when)s 按问责建议起草了 %(task)s 的督办通知")
    else:
        text = _("%(who)s 于 %(when)s 起草了 %(task)s 的督办通知")
    return Described(text % words)


def _notice_issued(entry, data, words):
    words = _notice(entry, data, words) | {"due": _text(data, "due")}
    text = _("%(who)s 于 %(when)s 签发了 %(task)s 的督办通知 %(number)s（反馈期限 %(due)s）")
    return Described(text % words)


def _notice_answered(entry, data, words):
    words = _notice(entry, data, words) | {"n": data.get("files", 0)}
    if data.get("late"):
        text = _(
            "%(who)s 于 %(when)s 就督办通知 %(number)s（%(task)s）报送了整改反馈"
            "（附 %(n)s 个佐证材料，逾期报送）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 就督办通知 %(number)s（%(task)s）报送了整改反馈"
            "（附 %(n)s 个佐证材料）"
        )
    return Described(text % words)


def _notice_accepted(entry, data, words):
    words = _notice(entry, data, words)
    text = _("%(who)s 于 %(when)s 审核通过了督办通知 %(number)s（%(task)s）的整改反馈，督办办结")
    return Described(text % words)


def _notice_returned(entry, data, words):
    words = _notice(entry, data, words) | {
        "comment": _text(data, "comment"),
        "due": _text(data, "due"),
    }
    text = _(
        "%(who)s 于 %(when)s 退回了督办通知 %(number)s（%(task)s）的整改反馈，意见：%(comment)s；"
        "反馈期限 %(due)s"
    )
    return Described(text % words)


def _notice_escalated(entry, data, words):
    words = _notice(entry, data, words) | {"days": _text(data, "days")}
    text = _("%(who)s 于 %(when)s 催办了逾期 %(days)s 天未反馈的督办通知 %(number)s（%(task)s）")
    return Described(text % words)


def _ladder_proposed(entry, data, words):
    words |= _task_and_month(entry, data) | {"n": data.get("proposals", 0)}
    text = _("%(who)s 于 %(when)s 按问责规则对 %(month)s 公示提出了 %(n)s 条问责建议")
    return Described(text % words)


def _step(data: dict) -> str:
    step = _text(data, "step")
    return str(Step(step).label) if step in Step.values else step


def _proposal_confirmed(entry, data, words):
    words |= _task_and_month(entry, data) | {"step": _step(data)}
    if data.get("deduction"):
        words["deduction"] = _text(data, "deduction")
        text = _(
            "%(who)s 于 %(when)s 确认了 %(task)s %(month)s 的问责建议：%(step)s"
            "（牵头单位扣 %(deduction)s 分）"
        )
    else:
        text = _("%(who)s 于 %(when)s 确认了 %(task)s %(month)s 的问责建议：%(step)s")
    return Described(text % words)


def _proposal_dismissed(entry, data, words):
    words |= _task_and_month(entry, data) | {"step": _step(data), "note": _text(data, "note")}
    if words["note"]:
        text = _(
            "%(who)s 于 %(when)s 对 %(task)s %(month)s 的问责建议（%(step)s）不予采纳，"
            "理由：%(note)s"
        )
    else:
        text = _("%(who)s 于 %(when)s 对 %(task)s %(month)s 的问责建议（%(step)s）不予采纳")
    return Described(text % words)


def _ladder_rule_changed(entry, data, words):
    count = data.get("count")
    words |= {
        "rule": rule_condition(_text(data, "kind"), _text(data, "mark"), count or ""),
        "step": _step(data),
        "deduction": _text(data, "deduction") or "0",
        "state": _("启用") if data.get("active") else _("停用"),
    }
    if data.get("change") == "added":
        text = _(
            "%(who)s 于 %(when)s 新增了问责规则：%(rule)s → %(step)s"
            "（%(state)s，扣分 %(deduction)s）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 修改了问责规则：%(rule)s → %(step)s"
            "（%(state)s，扣分 %(deduction)s）"
        )
    return Described(text % words)


def _attribution(entry, data, words) -> dict:
    more = {"node": _text(data, "node"), "unit": _text(data, "unit")}
    return words | _task_and_month(entry, data) | more


def _attribution_claimed(entry, data, words):
    words = _attribution(entry, data, words) | {"n": data.get("files", 0)}
    text = _(
        "%(who)s 于 %(when)s 就 %(task)s %(month)s 节点 %(node)s 申请延误归因，"
        "认为延误由配合单位%(unit)s造成（附 %(n)s 个佐证材料）"
    )
    return Described(text % words)


def _attribution_answered(entry, data, words):
    words = _attribution(entry, data, words) | {"n": data.get("files", 0)}
    if data.get("stance") == "agrees":
        text = _(
            "%(who)s 于 %(when)s 代表%(unit)s回复 %(task)s %(month)s 节点 %(node)s 的延误归因："
            "认可（附 %(n)s 个佐证材料）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 代表%(unit)s回复 %(task)s %(month)s 节点 %(node)s 的延误归因："
            "有异议（附 %(n)s 个佐证材料）"
        )
    return Described(text % words)


def _attribution_accepted(entry, data, words):
    words = _attribution(entry, data, words) | {"new": shown(data.get("rating")).name}
    if data.get("correction_needed"):
        text = _(
            "%(who)s 于 %(when)s 认定了 %(task)s %(month)s 节点 %(node)s 对%(unit)s的延误归因，"
            "评价调整为%(new)s（该月公示已发布，待勘误）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 认定了 %(task)s %(month)s 节点 %(node)s 对%(unit)s的延误归因，"
            "评价调整为%(new)s"
        )
    return Described(text % words)


def _attribution_rejected(entry, data, words):
    words = _attribution(entry, data, words)
    text = _("%(who)s 于 %(when)s 对 %(task)s %(month)s 节点 %(node)s 对%(unit)s的延误归因不予认定")
    return Described(text % words)


def _bulletin_issued(entry, data, words):
    words |= _task_and_month(entry, data) | {"version": _text(data, "version")}
    if data.get("number"):
        words["number"] = _text(data, "number")
        text = _("%(who)s 于 %(when)s 印发了 %(month)s 的通报 %(number)s（第%(version)s版）")
    else:
        text = _("%(who)s 于 %(when)s 印发了 %(month)s 的通报（第%(version)s版）")
    return Described(text % words)


def _scores_policy_changed(entry, data, words):
    words["n"] = _text(data, "min_rated") or "0"
    if data.get("public"):
        text = _(
            "%(who)s 于 %(when)s 修改了考核排名设置：评定任务月数不少于 %(n)s 个的参与排名，"
            "考核得分向社会公开"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 修改了考核排名设置：评定任务月数不少于 %(n)s 个的参与排名，"
            "考核得分不公开"
        )
    return Described(text % words)


def _assignment(entry, data, words) -> dict:
    return words | {"number": _text(data, "number"), "unit": _text(data, "unit")}


def _assignment_issued(entry, data, words):
    words = _assignment(entry, data, words) | {"deadline": _text(data, "deadline")}
    if data.get("kind") == "decision":
        text = _(
            "%(who)s 于 %(when)s 将会议决定作为交办事项 %(number)s 交%(unit)s办理"
            "（办理时限 %(deadline)s）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 将领导批示作为交办事项 %(number)s 交%(unit)s办理"
            "（办理时限 %(deadline)s）"
        )
    return Described(text % words)


def _assignment_signed(entry, data, words):
    words = _assignment(entry, data, words)
    return Described(_("%(who)s 于 %(when)s 代表%(unit)s签收了交办事项 %(number)s") % words)


def _assignment_answered(entry, data, words):
    words = _assignment(entry, data, words) | {"n": data.get("files", 0)}
    if data.get("again"):
        text = _(
            "%(who)s 于 %(when)s 代表%(unit)s重新反馈了交办事项 %(number)s 的办理情况"
            "（附 %(n)s 个佐证材料）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 代表%(unit)s反馈了交办事项 %(number)s 的办理情况"
            "（附 %(n)s 个佐证材料）"
        )
    return Described(text % words)


def _assignment_returned(entry, data, words):
    words = _assignment(entry, data, words) | {"comment": _text(data, "comment")}
    text = _(
        "%(who)s 于 %(when)s 退回了%(unit)s就交办事项 %(number)s 的办理反馈，理由：%(comment)s"
    )
    return Described(text % words)


def _assignment_closed(entry, data, words):
    words = _assignment(entry, data, words)
    if data.get("late"):
        text = _("%(who)s 于 %(when)s 将%(unit)s承办的交办事项 %(number)s 办结销号（逾期办结）")
    else:
        text = _("%(who)s 于 %(when)s 将%(unit)s承办的交办事项 %(number)s 办结销号")
    return Described(text % words)


def _meeting_saved(entry, data, words):
    words |= {
        "year": _text(data, "year"),
        "number": _text(data, "number"),
        "held_on": _text(data, "held_on"),
        "agenda": data.get("agenda", 0),
        "decisions": data.get("decisions", 0),
    }
    if data.get("created"):
        text = _(
            "%(who)s 于 %(when)s 登记了深改委%(year)s年第%(number)s次会议（%(held_on)s召开，"
            "议题 %(agenda)s 项，决定事项 %(decisions)s 项）"
        )
    else:
        text = _(
            "%(who)s 于 %(when)s 修改了深改委%(year)s年第%(number)s次会议的记录"
            "（议题 %(agenda)s 项，决定事项 %(decisions)s 项）"
        )
    return Described(text % words)


def _decision_tracked(entry, data, words):
    words |= {
        "meeting": _text(data, "meeting"),
        "task": _text(data, "task"),
        "unit": _text(data, "lead_unit") or _text(data, "unit"),
        "number": _text(data, "assignment"),
    }
    how = data.get("how")
    if how == "new_task":
        text = _(
            "%(who)s 于 %(when)s 将%(meeting)s的一项决定列为新的改革任务 %(task)s"
            "（牵头单位%(unit)s）"
        )
    elif how == "assignment":
        text = _(
            "%(who)s 于 %(when)s 将%(meeting)s的一项决定作为交办事项 %(number)s 交%(unit)s办理"
        )
    else:
        text = _("%(who)s 于 %(when)s 将%(meeting)s的一项决定纳入任务 %(task)s 跟踪落实")
    return Described(text % words)


def _pilot_label(choices, key) -> str:
    return choices(key).label if key in choices.values else ("" if key is None else str(key))


def _pilot_saved(entry, data, words):
    from ducha.pilots.models import Pilot

    words |= {
        "pilot": entry.target_label,
        "level": _pilot_label(Pilot.Level, data.get("level")),
        "practice": _text(data, "practice"),
    }
    change = data.get("change")
    if change == "added":
        text = _("%(who)s 于 %(when)s 登记了%(level)s改革试点「%(pilot)s」")
    elif change == "practice_added":
        text = _("%(who)s 于 %(when)s 为改革试点「%(pilot)s」登记了可复制推广经验「%(practice)s」")
    elif change == "practice_changed":
        text = _("%(who)s 于 %(when)s 修改了改革试点「%(pilot)s」的可复制推广经验「%(practice)s」")
    else:
        text = _("%(who)s 于 %(when)s 修改了改革试点「%(pilot)s」")
    return Described(text % words)


def _pilot_status_changed(entry, data, words):
    from ducha.pilots.models import Pilot

    words |= {
        "pilot": entry.target_label,
        "old": _pilot_label(Pilot.Status, data.get("old")),
        "new": _pilot_label(Pilot.Status, data.get("status")),
    }
    if data.get("back"):
        text = _(
            "%(who)s 于 %(when)s 撤销了改革试点「%(pilot)s」的上一步，状态由“%(old)s”退回“%(new)s”"
        )
    else:
        text = _("%(who)s 于 %(when)s 将改革试点「%(pilot)s」的状态由“%(old)s”推进为“%(new)s”")
    return Described(text % words)


def _suggestion_triaged(entry, data, words):
    from ducha.opendoor.models import Suggestion

    words |= {
        "code": _text(data, "code"),
        "state": _pilot_label(Suggestion.State, data.get("state")),
        "outcome": _pilot_label(Suggestion.Outcome, data.get("outcome")),
        "due": _text(data, "due"),
    }
    tasks = data.get("tasks") or []
    details = [Detail(_("关联任务"), "、".join(str(t) for t in tasks))] if tasks else []
    if data.get("state") == Suggestion.State.REPLIED:
        text = _("%(who)s 于 %(when)s 答复了意见建议 %(code)s，办理结果：%(outcome)s")
    else:
        text = _(
            "%(who)s 于 %(when)s 将意见建议 %(code)s 的办理状态设为“%(state)s”（答复期限 %(due)s）"
        )
    return Described(text % words, details)


def _suggestions_purged(entry, data, words):
    words |= {"personal": data.get("personal", 0), "addresses": data.get("addresses", 0)}
    if words["personal"] and words["addresses"]:
        text = _(
            "%(who)s 于 %(when)s 按保存期限清除了 %(personal)s 条已答复意见建议的姓名和联系方式，"
            "以及 %(addresses)s 条意见建议的来源地址哈希"
        )
    elif words["personal"]:
        text = _(
            "%(who)s 于 %(when)s 按保存期限清除了 %(personal)s 条已答复意见建议的姓名和联系方式"
        )
    else:
        text = _("%(who)s 于 %(when)s 清除了 %(addresses)s 条意见建议超过限流时段的来源地址哈希")
    return Described(text % words)


def _project_saved(entry, data, words):
    words |= {"project": entry.target_label, "phase": _text(data, "phase")}
    change = data.get("change")
    if change == "added":
        text = _("%(who)s 于 %(when)s 登记了重点项目「%(project)s」")
    elif change == "phase_added":
        text = _("%(who)s 于 %(when)s 为重点项目「%(project)s」添加了阶段 %(phase)s")
    elif change == "phase_changed":
        text = _("%(who)s 于 %(when)s 修改了重点项目「%(project)s」的阶段 %(phase)s")
    else:
        text = _("%(who)s 于 %(when)s 修改了重点项目「%(project)s」")
    return Described(text % words)


def _project_reported(entry, data, words):
    words |= {
        "project": entry.target_label,
        "month": _task_and_month(entry, data)["month"],
        "n": data.get("phases", 0),
        "invested": _text(data, "invested") or "0",
    }
    text = _(
        "%(who)s 于 %(when)s 报送了重点项目「%(project)s」%(month)s 的进展"
        "（%(n)s 个阶段，本月完成投资 %(invested)s 万元）"
    )
    return Described(text % words)


def _api_token(entry, data, words) -> dict:
    scope = _text(data, "scope")
    scopes = dict(ApiToken.Scope.choices)
    return words | {
        "unit": _text(data, "unit"),
        "prefix": _text(data, "prefix"),
        "scope": scopes.get(scope, scope),
    }


def _api_token_issued(entry, data, words):
    text = _("%(who)s 于 %(when)s 为 %(unit)s 签发了接口令牌 %(prefix)s…（%(scope)s）")
    return Described(text % _api_token(entry, data, words))


def _api_token_revoked(entry, data, words):
    text = _("%(who)s 于 %(when)s 吊销了 %(unit)s 的接口令牌 %(prefix)s…（%(scope)s）")
    return Described(text % _api_token(entry, data, words))


def _webhook_saved(entry, data, words):
    words["url"] = _text(data, "url")
    change = data.get("change")
    if change == "removed":
        text = _("%(who)s 于 %(when)s 删除了公示推送地址 %(url)s")
    elif change == "paused":
        text = _("%(who)s 于 %(when)s 停用了公示推送地址 %(url)s")
    elif change == "changed":
        text = _("%(who)s 于 %(when)s 修改了公示推送地址 %(url)s")
    else:
        text = _("%(who)s 于 %(when)s 登记了公示推送地址 %(url)s")
    return Described(text % words)


def _something(entry, data, words):
    """An action this module does not know yet: its name, never its keys."""
    words["action"] = entry.get_action_display()
    return Described(_("%(who)s 于 %(when)s：%(action)s") % words)


SAYINGS: dict[str, Callable[[AuditEntry, dict, dict], Described]] = {
    Action.LOGIN: _login,
    Action.TASK_PUSHED: _task_pushed,
    Action.TASK_ACCEPTED: _task_accepted,
    Action.UNITS_CHASED: _units_chased,
    Action.NOTICE_DRAFTED: _notice_drafted,
    Action.NOTICE_ISSUED: _notice_issued,
    Action.NOTICE_ANSWERED: _notice_answered,
    Action.NOTICE_ACCEPTED: _notice_accepted,
    Action.NOTICE_RETURNED: _notice_returned,
    Action.NOTICE_ESCALATED: _notice_escalated,
    Action.LADDER_PROPOSED: _ladder_proposed,
    Action.PROPOSAL_CONFIRMED: _proposal_confirmed,
    Action.PROPOSAL_DISMISSED: _proposal_dismissed,
    Action.LADDER_RULE_CHANGED: _ladder_rule_changed,
    Action.ATTRIBUTION_CLAIMED: _attribution_claimed,
    Action.ATTRIBUTION_ANSWERED: _attribution_answered,
    Action.ATTRIBUTION_ACCEPTED: _attribution_accepted,
    Action.ATTRIBUTION_REJECTED: _attribution_rejected,
    Action.BULLETIN_ISSUED: _bulletin_issued,
    Action.SCORES_POLICY_CHANGED: _scores_policy_changed,
    Action.PILOT_SAVED: _pilot_saved,
    Action.PILOT_STATUS_CHANGED: _pilot_status_changed,
    Action.ASSIGNMENT_ISSUED: _assignment_issued,
    Action.ASSIGNMENT_SIGNED: _assignment_signed,
    Action.ASSIGNMENT_ANSWERED: _assignment_answered,
    Action.ASSIGNMENT_RETURNED: _assignment_returned,
    Action.ASSIGNMENT_CLOSED: _assignment_closed,
    Action.MEETING_SAVED: _meeting_saved,
    Action.DECISION_TRACKED: _decision_tracked,
    Action.PROJECT_SAVED: _project_saved,
    Action.PROJECT_REPORTED: _project_reported,
    Action.API_TOKEN_ISSUED: _api_token_issued,
    Action.API_TOKEN_REVOKED: _api_token_revoked,
    Action.WEBHOOK_SAVED: _webhook_saved,
    Action.SUGGESTION_TRIAGED: _suggestion_triaged,
    Action.SUGGESTIONS_PURGED: _suggestions_purged,
    Action.LOGIN_FAILED: _login_failed,
    Action.LOGOUT: _logout,
    Action.LOCKOUT: _lockout,
    Action.MFA_ENROLLED: _mfa_enrolled,
    Action.MFA_FAILED: _mfa_failed,
    Action.RECOVERY_CODE_USED: _recovery_code_used,
    Action.MFA_RESET: _mfa_reset,
    Action.REPORT_SAVED: _report_saved,
    Action.REPORT_SUBMITTED: _report_submitted,
    Action.REPORT_WITHDRAWN: _report_withdrawn,
    Action.REPORT_APPROVED: _report_approved,
    Action.REPORT_SENT_BACK: _report_sent_back,
    Action.REPORT_ACCEPTED: _report_accepted,
    Action.REPORT_RETURNED: _report_returned,
    Action.RATING_OVERRIDDEN: _rating_overridden,
    Action.BOARD_PUBLISHED: _board_published,
    Action.BOARD_CORRECTED: _board_corrected,
    Action.MONTH_HELD: _month_held,
    Action.MONTH_RELEASED: _month_released,
    Action.LEDGER_IMPORTED: _ledger_imported,
    Action.EXPORTED: _exported,
    Action.USER_CHANGED: _user_changed,
    Action.ROLE_CHANGED: _role_changed,
    Action.ADMIN_CHANGED: _admin_changed,
}
