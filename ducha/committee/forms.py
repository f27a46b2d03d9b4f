"""The office's forms: a meeting with its rows (agenda, attendance, decisions, as formsets
whose blank rows are left out), and the three ways of tracking a decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.committee.models import AgendaItem, Meeting
from ducha.committee.workflow import (
    AgendaRow,
    AttendanceRow,
    DecisionRow,
    MeetingData,
    NodeRow,
)
from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.lib.months import parse_month

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(rows, label=str) -> list[tuple[str, str]]:
    return [("", "—"), *((r.pk, label(r)) for r in rows)]


class _Picks(forms.TypedChoiceField):
    """A choice of one of the jurisdiction's rows (units, leaders, areas) by id."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)


class MeetingForm(forms.Form):
    number = forms.IntegerField(label=_("第N次会议"), min_value=1, max_value=99)
    held_on = forms.DateField(label=_("召开日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("会议类型"), choices=Meeting.Kind.choices)
    title = forms.CharField(
        label=_("会议名称"),
        max_length=200,
        required=False,
        help_text=_("空白时按“市委深改委2021年第2次会议”的格式填写"),
    )
    presided_by = _Picks(label=_("主持人"), required=False)
    summary = forms.CharField(
        label=_("会议纪要摘要"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leaders = {p.pk: p for p in leaders}
        self.fields["presided_by"].choices = _choices(leaders, lambda p: f"{p.name} {p.title}")


class _Row(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AgendaForm(_Row):
    order = forms.IntegerField(label=_("序号"), min_value=1, max_value=99)
    kind = forms.ChoiceField(label=_("议题类型"), choices=AgendaItem.Kind.choices)
    title = forms.CharField(label=_("议题"), max_length=300)
    unit = _Picks(label=_("汇报或起草单位"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _choices(units, lambda u: u.name)


class AttendanceForm(_Row):
    PRESENT, LEAVE = "present", "leave"

    name = forms.CharField(label=_("姓名"), max_length=50)
    post = forms.CharField(label=_("单位及职务"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("出席情况"), choices=[(PRESENT, _("出席")), (LEAVE, _("请假"))]
    )
    leave_reason = forms.CharField(label=_("请假事由"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("status") == self.LEAVE and not (data.get("leave_reason") or "").strip():
            self.add_error("leave_reason", _("请假的请写明事由"))
        return data


class DecisionForm(_Row):
    agenda = forms.IntegerField(label=_("所属议题序号"), min_value=1, max_value=99, required=False)
    text = forms.CharField(
        label=_("决定事项"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class Rows(forms.BaseFormSet):
    """Rows of a meeting: the blank ones at the end are left out. `blank` is what a blank
    row shows (its next number, the first choice of a list), so that it counts as untouched."""

    blank: dict = {}

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            blank = dict(self.blank)
            if "order" in blank:
                blank["order"] = index + 1
            kwargs["initial"] = blank
        return kwargs


def rows(form, blank: dict, extra: int):
    cls = forms.formset_factory(
        form,
        formset=Rows,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=60,
        absolute_max=100,
        validate_max=True,
    )
    cls.blank = blank
    return cls


AgendaRows = rows(AgendaForm, {"order": 1, "kind": AgendaItem.Kind.PLAN}, extra=3)
AttendanceRows = rows(AttendanceForm, {"status": AttendanceForm.PRESENT}, extra=3)
DecisionRows = rows(DecisionForm, {}, extra=2)


class MeetingForms:
    """The meeting form and its three sets of rows, bound together; `data()` is what
    committee.workflow.save_meeting takes."""

    def __init__(self, post=None, *, meeting=None, leaders=(), units=(), initial=None):
        self.units = {u.pk: u for u in units}
        if meeting is not None and post is None:
            initial = {
                "number": meeting.number,
                "held_on": meeting.held_on,
                "kind": meeting.kind,
                "title": meeting.title,
                "presided_by": meeting.presided_by_id,
                "summary": meeting.summary,
            }
        self.meeting = MeetingForm(post, leaders=leaders, initial=initial)
        agenda, people, decisions = [], [], []
        if meeting is not None:
            agenda = [
                {"id": a.pk, "order": a.order, "kind": a.kind, "title": a.title, "unit": a.unit_id}
                for a in meeting.agenda.all()
            ]
            people = [
                {
                    "id": p.pk,
                    "name": p.name,
                    "post": p.post,
                    "status": AttendanceForm.PRESENT if p.present else AttendanceForm.LEAVE,
                    "leave_reason": p.leave_reason,
                }
                for p in meeting.attendance.all()
            ]
            decisions = [
                {
                    "id": d.pk,
                    "agenda": d.agenda_item.order if d.agenda_item else None,
                    "text": d.text,
                }
                for d in meeting.decisions.all()
                if not d.is_tracked
            ]
        self.agenda = AgendaRows(
            post, prefix="agenda", initial=agenda, form_kwargs={"units": units}
        )
        self.attendance = AttendanceRows(post, prefix="attendance", initial=people)
        self.decisions = DecisionRows(post, prefix="decisions", initial=decisions)

    @property
    def sets(self):
        return (self.agenda, self.attendance, self.decisions)

    def is_valid(self) -> bool:
        valid = self.meeting.is_valid()
        for rows in self.sets:  # every set validated, so that every error shows at once
            valid = rows.is_valid() and valid
        if not (self.agenda.is_valid() and self.decisions.is_valid()):
            return False
        orders: dict[int, forms.Form] = {}
        for form in self._kept(self.agenda):
            order = form.cleaned_data["order"]
            if order in orders:
                form.add_error("order", _("议题序号 %(n)s 重复") % {"n": order})
                valid = False
            orders[order] = form
        for form in self._kept(self.decisions):
            order = form.cleaned_data.get("agenda")
            if order is not None and order not in orders:
                form.add_error("agenda", _("没有序号为 %(n)s 的议题") % {"n": order})
                valid = False
        return valid

    @staticmethod
    def _kept(rows):
        """The rows there before and the blank rows filled in, but those marked to go."""
        return [
            f
            for f in rows
            if (not f.empty_permitted or f.has_changed()) and not f.cleaned_data.get("DELETE")
        ]

    @staticmethod
    def _deleted_ids(rows) -> list[int]:
        return [
            f.cleaned_data["id"] for f in rows.deleted_forms if f.cleaned_data.get("id") is not None
        ]

    def data(self, upload_agenda=None, drop_files=()) -> MeetingData:
        m = self.meeting.cleaned_data
        agenda = [
            AgendaRow(
                id=f.cleaned_data["id"],
                order=f.cleaned_data["order"],
                kind=f.cleaned_data["kind"],
                title=f.cleaned_data["title"],
                unit=self.units.get(f.cleaned_data["unit"]),
            )
            for f in self._kept(self.agenda)
        ]
        agenda += [
            AgendaRow(0, "", "", id=pk, delete=True) for pk in self._deleted_ids(self.agenda)
        ]
        people = [
            AttendanceRow(
                id=f.cleaned_data["id"],
                name=f.cleaned_data["name"],
                post=f.cleaned_data["post"],
                present=f.cleaned_data["status"] == AttendanceForm.PRESENT,
                leave_reason=f.cleaned_data["leave_reason"],
            )
            for f in self._kept(self.attendance)
        ]
        people += [
            AttendanceRow("", id=pk, delete=True) for pk in self._deleted_ids(self.attendance)
        ]
        decisions = [
            DecisionRow(
                id=f.cleaned_data["id"],
                agenda=f.cleaned_data["agenda"],
                text=f.cleaned_data["text"],
            )
            for f in self._kept(self.decisions)
        ]
        decisions += [
            DecisionRow("", id=pk, delete=True) for pk in self._deleted_ids(self.decisions)
        ]
        return MeetingData(
            number=m["number"],
            held_on=m["held_on"],
            kind=m["kind"],
            title=m["title"],
            presided_by=self.meeting.leaders.get(m["presided_by"]),
            summary=m["summary"],
            agenda=agenda,
            attendance=people,
            decisions=decisions,
            upload_agenda=upload_agenda,
            drop_files=list(drop_files),
        )

    def add_error(self, field: str, message: str) -> None:
        """A refusal of the workflow's, shown where it belongs: a field of the meeting, a
        set of rows, or the form as a whole."""
        sets = {"agenda": self.agenda, "attendance": self.attendance}
        sets["decisions"] = self.decisions
        if field in sets:
            sets[field]._non_form_errors.append(message)
        elif field in self.meeting.fields:
            self.meeting.add_error(field, message)
        else:
            self.meeting.add_error(None, message)


# Tracking a decision ------------------------------------------------------------------------


class NewTaskForm(forms.Form):
    code = forms.CharField(label=_("任务编号"), max_length=100)
    title = forms.CharField(label=_("任务名称"), max_length=300)
    area = _Picks(label=_("领域"))
    source = forms.ChoiceField(label=_("任务来源"), choices=Task.Source.choices)
    leader = _Picks(label=_("分管领导"))
    lead_unit = _Picks(label=_("牵头单位"))
    plan_year = forms.IntegerField(label=_("计划年度"), min_value=2000, max_value=2100)
    requirements = forms.CharField(
        label=_("工作要求"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, areas=(), leaders=(), units=(), **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        self.rows = {
            "area": {a.pk: a for a in areas},
            "leader": {p.pk: p for p in leaders},
            "lead_unit": {u.pk: u for u in units},
        }
        self.fields["area"].choices = _choices(areas, lambda a: a.name)
        self.fields["leader"].choices = _choices(leaders, lambda p: f"{p.name} {p.title}")
        self.fields["lead_unit"].choices = _choices(units, lambda u: u.name)

    def picked(self, name: str):
        return self.rows[name].get(self.cleaned_data.get(name))


class NodeForm(forms.Form):
    code = forms.CharField(label=_("节点编号"), max_length=100)
    title = forms.CharField(label=_("节点目标"), max_length=500)
    due = forms.CharField(
        label=_("完成时限（年月）"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2022-06"}),
    )

    def clean_due(self):
        try:
            return parse_month(self.cleaned_data["due"])
        except ValueError:
            raise forms.ValidationError(_("请按 YYYY-MM 填写，例如 2022-06")) from None

    def row(self) -> NodeRow:
        d = self.cleaned_data
        return NodeRow(d["code"].strip(), d["title"].strip(), d["due"])


NodeRows = forms.formset_factory(NodeForm, extra=3, max_num=30, absolute_max=40, validate_max=True)


class FollowUpForm(forms.Form):
    task = forms.CharField(
        label=_("已有任务的编号"),
        max_length=100,
        help_text=_("台账中已有的任务：会议决定将显示为它的来源"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="follow", **kwargs)


class AssignForm(forms.Form):
    title = forms.CharField(label=_("事项名称"), max_length=200)
    instruction = forms.CharField(
        label=_("决定内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = _Picks(label=_("承办单位"))
    deadline = forms.DateField(label=_("办理时限"), widget=DATE)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, prefix="assign", **kwargs)
        self.units = {u.pk: u for u in units}
        self.fields["unit"].choices = _choices(units, lambda u: u.name)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < clock.today():
            raise forms.ValidationError(_("办理时限不能早于今天"))
        return deadline
