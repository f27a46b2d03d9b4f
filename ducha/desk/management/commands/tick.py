import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ducha.api import webhooks
from ducha.assignments import deadlines as assignment_deadlines
from ducha.boards.publication import publish_due
from ducha.desk import reminders
from ducha.lib import clock
from ducha.notify.queue import wake
from ducha.opendoor import retention as suggestion_retention
from ducha.ops.models import beat
from ducha.pilots import reminders as pilot_reminders
from ducha.ratings import inputs
from ducha.supervision.ladder import run_recent
from ducha.supervision.notices import escalate_overdue


class Command(BaseCommand):
    help = (
        "执行到期的定时工作（各辖区按各自日程每月自动发布、问责规则、督办逾期、报送提醒与催报、"
        "公示结果通知、交办事项临期与逾期提醒、改革试点评估提醒、意见建议个人信息到期清除），"
        "可重复运行；"
        "由 cron 或 systemd 定时器调用"
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以此时刻为当前时间（ISO 格式），用于补跑或测试")

    def handle(self, *args, **options):
        now = clock.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(
                    f"--now {options['now']!r} 不是 ISO 时间，如 2022-01-10T09:00"
                ) from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        said = publish_due(now)
        said += run_recent(now)  # the ladder over each chain's recent boards (proposes once)
        said += escalate_overdue(now)  # supervision notices past their answer deadline
        said += reminders.send_due(now)
        said += assignment_deadlines.due(now)  # 交办事项 near or past their deadline
        said += pilot_reminders.due(now)  # pilots' evaluation deadlines
        said += suggestion_retention.due(now)  # suggesters' personal data past retention
        said += webhooks.due(now)  # publication webhooks not yet sent, or due a retry
        posted = reminders.send_recent_posted(now)
        if posted:
            said.append(f"补发公示结果通知 {posted} 条")
        wake()  # a drain of the queue is due if anything waits (a lost one is rescheduled)
        inputs.compact()  # housekeeping: fold PostgreSQL's change rows into one number
        beat("tick")  # for the monitoring: a timer that stopped firing shows (/metrics)
        for line in said:
            self.stdout.write(line)
        if not said:
            self.stdout.write("没有到期的工作")
