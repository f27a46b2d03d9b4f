"""The inbox (each person's own messages, marked read by POST), a person's quiet hours, and
the office's pages: its units' channels and the delivery log of its jurisdiction."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ducha.audit import record
from ducha.lib import clock, params
from ducha.lib.access import overseer_required
from ducha.notify.forms import QuietHoursForm, UnitChannelForm
from ducha.notify.models import Channel, Delivery, Message, QuietHours, UnitChannel
from ducha.org.models import Unit

INBOX_PER_PAGE = 30
LOG_PER_PAGE = 50


# The inbox ------------------------------------------------------------------------------------


def _inbox_of(user):
    return Delivery.objects.filter(user=user, channel=Channel.INBOX)


@login_required
@require_safe
def inbox(request):
    """The person's messages, newest first; unread ones marked (?unread=1: those alone)."""
    only_unread = params.choice(request.GET, "unread", ("1",)) == "1"
    mine = _inbox_of(request.user)
    shown = mine.filter(read_at__isnull=True) if only_unread else mine
    page = Paginator(
        shown.select_related("message").order_by("-message__created_at", "-pk"), INBOX_PER_PAGE
    ).get_page(params.number(request.GET, "page", 1, 1))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "only_unread": only_unread,
            "unread": mine.filter(read_at__isnull=True).count(),
        },
    )


def _back(request) -> str:
    url = request.POST.get("next", "")
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else reverse("notify:inbox")


@login_required
@require_POST
def mark_read(request):
    """Mark one message (`id`) or all (`all=1`) of the person's own inbox read."""
    mine = _inbox_of(request.user).filter(read_at__isnull=True)
    if request.POST.get("all") == "1":
        count = mine.update(read_at=clock.now())
        messages.success(request, _("已全部标为已读（%(n)d 条）") % {"n": count})
    else:
        delivery = params.number(request.POST, "id")
        if delivery is None:
            raise params.BadParameter("id", _("请指明消息"))
        mine.filter(pk=delivery).update(read_at=clock.now())
    return redirect(_back(request))


@login_required
@require_http_methods(["GET", "POST"])
def quiet_hours(request):
    """A person's quiet hours: e-mail and robot posts for him wait until they end."""
    current = QuietHours.objects.filter(user=request.user).first()
    form = QuietHoursForm(instance=current)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            QuietHours.objects.filter(user=request.user).delete()
            messages.success(request, _("已取消免打扰时段"))
            return redirect("notify:quiet_hours")
        form = QuietHoursForm(request.POST, instance=current or QuietHours(user=request.user))
        if form.is_valid():
            form.save()
            messages.success(request, _("免打扰时段已保存"))
            return redirect("notify:quiet_hours")
        status = 400  # the form again, each error at its field
    return render(
        request, "notify/quiet_hours.html", {"form": form, "current": current}, status=status
    )


# The office: channels ---------------------------------------------------------------------------


def _units_of(user):
    """The units whose channels this person reads: his own jurisdiction's."""
    return Unit.objects.filter(jurisdiction_id=user.jurisdiction_id)


@overseer_required
@require_safe
def channels(request):
    """Every unit of the jurisdiction with its channels (the auditor reads, the office
    changes them on each unit's page)."""
    units = (
        _units_of(request.user)
        .filter(is_active=True)
        .prefetch_related(Prefetch("channels", queryset=UnitChannel.objects.order_by("pk")))
        .annotate(people=Count("users", filter=Q(users__is_active=True)))
        .order_by("order", "name")
    )
    return render(
        request,
        "notify/channels.html",
        {"units": units, "can_act": request.user.runs(request.user.jurisdiction_id)},
    )


def _audit_channel(request, channel: UnitChannel, change: str, fields=()) -> None:
    record(
        "admin_changed",
        request=request,
        target=channel,
        detail={"change": change, "model": "单位消息渠道", "fields": list(fields)},
    )


@overseer_required
@require_http_methods(["GET", "POST"])
def unit_channels(request, pk: int):
    """One unit's mailbox and robots; the office of the unit's jurisdiction adds, switches
    off and on, and removes them (audited). Secrets are never shown again."""
    unit = get_object_or_404(_units_of(request.user), pk=pk)
    can_act = request.user.runs(unit.jurisdiction_id)
    form = UnitChannelForm(instance=UnitChannel(unit=unit))
    status = 200
    if request.method == "POST":
        if not can_act:
            raise PermissionDenied
        action = request.POST.get("action", "")
        if action == "add":
            form = UnitChannelForm(request.POST, instance=UnitChannel(unit=unit))
            if form.is_valid():
                channel = form.save()
                _audit_channel(request, channel, "added")
                messages.success(request, _("已添加：%(c)s") % {"c": channel.get_channel_display()})
                return redirect("notify:unit_channels", pk=unit.pk)
            status = 400
        elif action in ("switch", "remove"):
            which = params.number(request.POST, "channel")
            channel = get_object_or_404(unit.channels, pk=which or 0)
            if action == "switch":
                channel.active = not channel.active
                channel.save(update_fields=["active"])
                _audit_channel(request, channel, "changed", ["启用"])
                messages.success(request, _("已启用") if channel.active else _("已停用"))
            else:
                _audit_channel(request, channel, "deleted")
                channel.delete()
                messages.success(request, _("已删除"))
            return redirect("notify:unit_channels", pk=unit.pk)
        else:
            raise params.BadParameter("action", _("%(text)s 不是可选的值") % {"text": action[:20]})
    recent = (
        Delivery.objects.filter(via__unit=unit)
        .select_related("message", "via")
        .order_by("-pk")[:20]
    )
    return render(
        request,
        "notify/unit_channels.html",
        {
            "unit": unit,
            "channels": unit.channels.order_by("pk"),
            "form": form,
            "can_act": can_act,
            "recent": recent,
        },
        status=status,
    )


# The office: the delivery log -------------------------------------------------------------------


@overseer_required
@require_safe
def deliveries(request):
    """What was sent where, what failed and why, how often it was tried: the jurisdiction's
    external deliveries (the inbox with ?channel=inbox), newest first, filterable."""
    user = request.user
    scope = Delivery.objects.filter(message__jurisdiction_id=user.jurisdiction_id)
    status = params.choice(request.GET, "status", Delivery.Status.values)
    channel = params.choice(request.GET, "channel", Channel.values)
    kind = request.GET.get("kind", "").strip()[:40]
    unit = params.number(request.GET, "unit")
    text = request.GET.get("q", "").strip()[:100]
    shown = scope.filter(channel=channel) if channel else scope.exclude(channel=Channel.INBOX)
    if status:
        shown = shown.filter(status=status)
    if kind:
        shown = shown.filter(message__kind=kind)
    if unit is not None:
        shown = shown.filter(Q(via__unit_id=unit) | Q(user__unit_id=unit))
    if text:
        shown = shown.filter(message__subject__icontains=text)
    counts = dict(
        scope.exclude(channel=Channel.INBOX)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    page = Paginator(
        shown.select_related("message", "user", "user__unit", "via", "via__unit").order_by("-pk"),
        LOG_PER_PAGE,
    ).get_page(params.number(request.GET, "page", 1, 1))
    kinds = (
        Message.objects.filter(jurisdiction_id=user.jurisdiction_id)
        .values_list("kind", flat=True)
        .distinct()
        .order_by("kind")
    )
    return render(
        request,
        "notify/deliveries.html",
        {
            "page": page,
            "counts": [(s, label, counts.get(s, 0)) for s, label in Delivery.Status.choices],
            "statuses": Delivery.Status.choices,
            "channels": Channel.choices,
            "kinds": list(kinds),
            "units": _units_of(user).order_by("order", "name").only("pk", "name"),
            "chosen": {
                "status": status,
                "channel": channel,
                "kind": kind,
                "unit": "" if unit is None else str(unit),
                "q": text,
            },
            "filtered": any([status, channel, kind, unit is not None, text]),
        },
    )
