from django.core.management.base import BaseCommand, CommandError

from ducha.boards.models import Publication
from ducha.boards.publication import chain_head, verify


class Command(BaseCommand):
    help = "核验每一版已发布公示的哈希和发布链；--head 同时核对链头"

    def add_arguments(self, parser):
        parser.add_argument("--head", help="此前记下的链头 SHA-256")

    def handle(self, *args, **options):
        problems = verify(options["head"])
        if problems:
            raise CommandError("发布链核验失败：\n" + "\n".join(f"  {p}" for p in problems))
        head = chain_head()
        count = Publication.objects.count()
        self.stdout.write(self.style.SUCCESS(f"核验通过：{count} 条发布，哈希与链条完整"))
        if head:
            self.stdout.write(f"链头 SHA-256：{head.sha256}")
