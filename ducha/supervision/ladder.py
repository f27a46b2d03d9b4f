"""The accountability ladder (问责阶梯): each jurisdiction's rules read every posted board and
propose steps — a 督办通知, the 约谈 list, a reminder — which the office confirms or dismisses.
Nothing is done silently: a proposal does nothing until confirmed, and the office is told
that proposals wait.

The ladder runs when a board is posted (`board_published`, after the commit) and from
`ducha tick` (`run_ladder`), which may repeat it: the same step for the same task and month
is proposed once. The conditions themselves are a pure function (supervision/conditions.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils.translation import gettext as _

from ducha.audit import record
from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, posted
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.months import (
    add_months,
    format_month,
    format_month_zh,
    from_index,
    index,
    parse_month,
)
from ducha.notify.api import send
from ducha.org.models import Jurisdiction, User, named, of_jurisdiction
from ducha.ratings.marks import OSTRICH, SNAIL
from ducha.supervision import conditions, wording
from ducha.supervision.models import Interview, Proposal, Rule, Step, dump_list

log = logging.getLogger(__name__)

BY = "问责阶梯"  # the actor named in the audit log and on messages when the ladder runs
# How far back a run of marks is followed (a streak longer than this is counted this long).
LOOKBACK = 24

# The practice (issue 11): two snails in a row → 督办通知 to the lead unit and the leader;
# three in a row, or three in a year → the leader's 约谈 list; an ostrich streak of three →
# a reminder; a node overdue by more than a month → 督办. No deductions unless the office
# sets them.
DEFAULTS = (
    (conditions.STREAK, SNAIL.key, 2, Step.NOTICE),
    (conditions.STREAK, SNAIL.key, 3, Step.INTERVIEW),
    (conditions.IN_YEAR, SNAIL.key, 3, Step.INTERVIEW),
    (conditions.STREAK, OSTRICH.key, 3, Step.REMINDER),
    (conditions.NODE_OVERDUE, "", 1, Step.NOTICE),
)


class LadderError(Exception):
    pass


# Rules ------------------------------------------------------------------------------------


def _defaults(jurisdiction: Jurisdiction) -> list[Rule]:
    return [
        Rule(jurisdiction=jurisdiction, kind=kind, mark=mark, count=count, step=step, order=i)
        for i, (kind, mark, count, step) in enumerate(DEFAULTS)
    ]


def rules_of(jurisdiction: Jurisdiction) -> list[Rule]:
    """The jurisdiction's rules; the defaults (not saved) if the office never set any. Reads
    only: a page shows them without writing."""
    stored = list(Rule.objects.filter(jurisdiction=jurisdiction))
    return stored or _defaults(jurisdiction)


def ensure_rules(jurisdiction: Jurisdiction) -> list[Rule]:
    """The jurisdiction's rules, the defaults saved first on first use."""
    if not Rule.objects.filter(jurisdiction=jurisdiction).exists():
        # Two first uses at once: the unique rung keeps one copy.
        Rule.objects.bulk_create(_defaults(jurisdiction), ignore_conflicts=True)
    return list(Rule.objects.filter(jurisdiction=jurisdiction))


def key(rule: Rule) -> str:
    """A rung by what it is (unique in its jurisdiction): the defaults shown before the office
    saved any have no row yet."""
    return f"{rule.kind}:{rule.mark}:{rule.count}:{rule.step}"


def describe(rule: Rule) -> str:
    return wording.rule_condition(rule.kind, rule.mark, rule.count)


def _spec(rule: Rule) -> conditions.RuleSpec:
    return conditions.RuleSpec(rule.pk, rule.kind, rule.mark, rule.count, rule.step)


# Reading the posted boards ------------------------------------------------------------------


def _month_index(text: str | None) -> int | None:
    return None if not text else index(parse_month(text))


def _row(entry: dict) -> conditions.Row:
    nodes = tuple(
        conditions.Node(
            n["code"], n.get("title", ""), _month_index(n["due"]), _month_index(n.get("done"))
        )
        for n in entry.get("nodes") or []
    )
    return conditions.Row(entry.get("rating"), nodes)


def _histories(month: dt.date, chain: Jurisdiction | None) -> dict[str, dict[int, conditions.Row]]:
    """{task code: {month index: its row}} over the posted months up to `month` (latest
    versions), back to the chain's first or LOOKBACK months."""
    first = Publication.objects.filter(chain_filter(chain)).aggregate(m=Min("month"))["m"]
    start = max(first or month, add_months(month, 1 - LOOKBACK))
    out: dict[str, dict[int, conditions.Row]] = defaultdict(dict)
    m = start
    while m <= month:
        board = posted(m, jurisdiction=chain)
        for entry in board["tasks"] if board else ():
            out[entry["task"]][index(m)] = _row(entry)
        m = add_months(m, 1)
    return out


# Running ---------------------------------------------------------------------------------------


def _owner(publication: Publication) -> Jurisdiction:
    return publication.jurisdiction or Jurisdiction.objects.home()


def run_ladder(publication: Publication) -> int:
    """Read the posted board of `publication`'s month (and the months before it) against its
    jurisdiction's active rules; write the proposals not made before. How many were made."""
    jurisdiction = _owner(publication)
    chain = None if jurisdiction.home else jurisdiction
    month = publication.month
    rules = [_spec(r) for r in ensure_rules(jurisdiction) if r.active]
    if not rules:
        return 0
    histories = _histories(month, chain)
    at = index(month)
    found: dict[tuple[str, str], list[conditions.Fired]] = defaultdict(list)
    for code, history in histories.items():
        for hit in conditions.fired(rules, history, at):
            found[(code, hit.rule.step)].append(hit)
    if not found:
        return 0
    done = set(
        Proposal.objects.filter(jurisdiction=jurisdiction, month=month).values_list(
            "task__code", "step"
        )
    )
    wanted = {key: hits for key, hits in found.items() if key not in done}
    tasks = {
        t.code: t
        for t in Task.objects.filter(
            jurisdiction=jurisdiction, code__in={code for code, _step in wanted}
        )
    }
    deductions = dict(Rule.objects.filter(jurisdiction=jurisdiction).values_list("pk", "deduction"))
    rows = []
    for (code, step), hits in sorted(wanted.items()):
        task = tasks.get(code)
        if task is None:  # a task deleted from the ledger since: nothing to propose to
            continue
        history = histories[code]
        months = sorted({m for hit in hits for m in hit.months})
        triggers = [
            {"month": format_month(from_index(m)), "rating": history[m].rating} for m in months
        ]
        rows.append(
            Proposal(
                jurisdiction=jurisdiction,
                task=task,
                unit_id=task.lead_unit_id,
                month=month,
                step=step,
                reasons=dump_list([hit.reason | {"rule": hit.rule.id} for hit in hits]),
                triggers=dump_list(triggers),
                deduction=max(deductions.get(hit.rule.id, Decimal(0)) for hit in hits),
            )
        )
    # In one statement, whatever the ledger's size; a proposal another run made at the same
    # moment stands, and only the ones made here are counted.
    mine = Proposal.objects.filter(jurisdiction=jurisdiction, month=month)
    before = mine.count()
    Proposal.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    made = mine.count() - before
    if made:
        _tell_the_office(publication, jurisdiction, made)
    return made


def _tell_the_office(publication: Publication, jurisdiction: Jurisdiction, made: int) -> None:
    month = format_month(publication.month)
    record(
        "ladder_proposed",
        actor_name=BY,
        target=publication,
        detail={"month": month, "proposals": made, **named(jurisdiction)},
    )
    label = format_month_zh(publication.month)
    send(
        User.objects.offices_of(jurisdiction),
        kind="ladder_proposed",
        subject=f"问责阶梯：{label}公示后有 {made} 条问责建议待确认",
        body=(
            f"按本辖区的问责规则，{label}公示提出了 {made} 条问责建议（督办通知、约谈或提醒）。"
            "请在“问责建议”页面逐条确认或不予采纳；确认前不会发出任何通知。"
        ),
        key=f"ladder:{publication.pk}:proposed",
        url=f"/office/ladder/?month={month}",
        jurisdiction=jurisdiction,
        by_name=BY,
    )


def on_board_published(sender, publication: Publication, **kwargs) -> None:
    """A posted board is read against the ladder at once (after the commit)."""
    made = run_ladder(publication)
    if made:
        log.info("问责阶梯：%s 提出 %s 条建议", publication, made)


def run_recent(now: dt.datetime) -> list[str]:
    """For `ducha tick`: the ladder again over each chain's boards of the last two months (a
    listener that failed, rules changed since): what it newly proposed, as lines to print.
    Running it twice proposes nothing twice."""
    since = add_months(clock.local(now).date().replace(day=1), -2)
    newest: dict[tuple[int | None, dt.date], Publication] = {}
    recent = Publication.objects.filter(month__gte=since).order_by("version")
    for p in recent.select_related("jurisdiction"):
        newest[(p.jurisdiction_id, p.month)] = p  # one run per chain and month: its newest
    lines = []
    for publication in newest.values():
        made = run_ladder(publication)
        if made:
            place = _owner(publication).name
            lines.append(
                f"问责阶梯：{place}{format_month_zh(publication.month)}新提出 {made} 条建议"
            )
    return lines


# The office's decisions --------------------------------------------------------------------


def _locked(proposal: Proposal) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("task", "unit")
        .get(pk=proposal.pk)
    )
    if locked.state != Proposal.State.PENDING:
        raise LadderError(_("这条建议已处理过"))
    return locked


@transaction.atomic
def confirm(proposal: Proposal, user, request=None) -> Proposal:
    """The office confirms a proposal: a 督办 becomes a draft notice (reviewed before it is
    issued), a 约谈 puts the task's leaders on the interview list, a reminder is sent."""
    from ducha.supervision.notices import draft_notice

    proposal = _locked(proposal)
    proposal.state = Proposal.State.CONFIRMED
    proposal.decided_by = user
    proposal.decided_at = clock.now()
    # The deduction is the rules' as they stand when the office confirms the step.
    rules = [r.get("rule") for r in proposal.reason_list()]
    current = Rule.objects.filter(pk__in=[r for r in rules if isinstance(r, int)])
    proposal.deduction = max(
        current.values_list("deduction", flat=True), default=proposal.deduction
    )
    proposal.save(update_fields=["state", "decided_by", "decided_at", "deduction"])
    detail = {"month": format_month(proposal.month), "step": proposal.step}
    if proposal.deduction:
        detail["deduction"] = str(proposal.deduction)
    if proposal.step == Step.NOTICE:
        notice = draft_notice(
            proposal.task,
            by=user,
            request=request,
            proposal=proposal,
            reasons=proposal.reason_list(),
            triggers=proposal.trigger_list(),
        )
        detail["notice"] = notice.pk
    elif proposal.step == Step.INTERVIEW:
        leaders = [proposal.task.leader_id]
        leaders += list(proposal.task.co_leader_links.values_list("leader_id", flat=True))
        for leader_id in dict.fromkeys(leaders):
            Interview.objects.get_or_create(
                proposal=proposal,
                leader_id=leader_id,
                defaults={
                    "jurisdiction_id": proposal.jurisdiction_id,
                    "task": proposal.task,
                    "unit_id": proposal.unit_id,
                    "month": proposal.month,
                    "added_by": user,
                },
            )
    else:
        _remind(proposal, user)
    record("proposal_confirmed", actor=user, request=request, target=proposal, detail=detail)
    return proposal


def _remind(proposal: Proposal, user) -> None:
    task = proposal.task
    why = "；".join(wording.reasons(proposal.reason_list()))
    send(
        User.objects.of_units([proposal.unit_id]),
        kind="ladder_reminder",
        subject=f"提醒：{task.code} {task.title}",
        body=(
            f"你单位牵头的改革任务“{task.code} {task.title}”{why}。"
            "请认真分析原因，加快推进，按时完成节点目标。"
        ),
        key=f"ladder:{proposal.pk}:reminder",
        url=(
            f"/tasks/{task.code}/"
            if proposal.jurisdiction.home
            else f"/j/{proposal.jurisdiction.slug}/tasks/{task.code}/"
        ),
        jurisdiction=proposal.jurisdiction,
        by=user,
    )


@transaction.atomic
def dismiss(proposal: Proposal, user, note: str = "", request=None) -> Proposal:
    proposal = _locked(proposal)
    proposal.state = Proposal.State.DISMISSED
    proposal.decided_by = user
    proposal.decided_at = clock.now()
    proposal.note = note.strip()
    proposal.save(update_fields=["state", "decided_by", "decided_at", "note"])
    record(
        "proposal_dismissed",
        actor=user,
        request=request,
        target=proposal,
        detail={
            "month": format_month(proposal.month),
            "step": proposal.step,
            "note": proposal.note,
        },
    )
    return proposal


@transaction.atomic
def save_rule(rule: Rule, user, request=None, **changes) -> Rule:
    """The office changes a rule of its jurisdiction (or adds one: `rule` unsaved)."""
    ensure_rules(rule.jurisdiction)
    added = rule.pk is None
    for field, value in changes.items():
        setattr(rule, field, value)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise LadderError(_("已有相同条件和措施的规则")) from None
    record(
        "ladder_rule_changed",
        actor=user,
        request=request,
        target=rule,
        detail={
            "change": "added" if added else "changed",
            "kind": rule.kind,
            "mark": rule.mark,
            "count": rule.count,
            "step": rule.step,
            "active": rule.active,
            "deduction": str(rule.deduction),
            **named(rule.jurisdiction),
        },
    )
    return rule


# Deductions ---------------------------------------------------------------------------------


def deductions(months, jurisdiction: Jurisdiction | None = None) -> dict[str, Decimal]:
    """{lead unit name: points off} for the confirmed steps with a deduction in `months` of
    `jurisdiction` (None: the home one). Empty when no rule deducts (the default)."""
    rows = (
        Proposal.objects.filter(
            of_jurisdiction(jurisdiction),
            state=Proposal.State.CONFIRMED,
            deduction__gt=0,
            month__in=list(months),
        )
        .values("unit__name")
        .annotate(total=Sum("deduction"))
    )
    return {row["unit__name"]: row["total"] for row in rows}
