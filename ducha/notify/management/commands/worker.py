import logging
import os
import signal
import socket

from django.core.management.base import BaseCommand

from ducha.notify import queue


class Command(BaseCommand):
    help = (
        "运行后台任务：投递排队的电子邮件和工作群机器人消息，一直运行到被停止；"
        "--once 投递完当前到期的就退出"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="处理完当前到期的任务就退出（用于 cron 或测试）"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="空闲时每隔几秒查看一次队列（默认 1）"
        )

    def handle(self, *, once: bool, interval: float, verbosity: int, **options):
        from django_tasks_db.management.commands.db_worker import Worker

        if verbosity:
            for name in ("ducha.notify", "django_tasks_db", "django.tasks", "django_tasks"):
                logger = logging.getLogger(name)
                logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
                if not logger.handlers:
                    logger.addHandler(logging.StreamHandler(self.stdout))
                logger.propagate = False
        queue.STOP.clear()
        # What a stopped worker left: abandoned claims marked, due rows given a drain.
        queue.wake()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        stop_worker = worker.shutdown

        def stop(signum, frame):
            # The drain under way stops claiming and returns once its attempts have ended
            # (each at most DUCHA_NOTIFY_TIMEOUT seconds); a second signal stops at once.
            queue.STOP.set()
            stop_worker(signum, frame)

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        worker.run()
