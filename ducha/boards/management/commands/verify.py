from django.core.management.base import BaseCommand, CommandError

from ducha.audit import audit_head, check_audit_head, verify_log
from ducha.audit.models import AuditEntry
from ducha.boards.models import Publication
from ducha.boards.publication import audit_coverage, chain_heads, verify


class Command(BaseCommand):
    help = (
        "核验已发布公示的哈希和发布链（本级和每个县市区等辖区各自的链）、审计日志的哈希链；"
        "--head 同时核对本级链头是最新的一条，--audit-head 核对记下的审计记录仍在且未被改动"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--head",
            help="此前记下的本级发布链链头 SHA-256（须是本级最新的一条；其他辖区的链头见输出）",
        )
        parser.add_argument(
            "--audit-head",
            help="此前记下的审计日志链头 序号:SHA-256（这条记录须仍在且未被改动）",
        )

    def handle(self, *args, **options):
        chain = verify(options["head"])
        log = verify_log()
        if options["audit_head"]:
            log += check_audit_head(options["audit_head"])
        if chain or log:
            said = []
            if chain:
                said += ["发布链核验失败：", *(f"  {p}" for p in chain)]
            if log:
                said += ["审计日志核验失败：", *(f"  {p}" for p in log)]
            raise CommandError("\n".join(said))
        heads = chain_heads()
        count = Publication.objects.count()
        chains = f"（{len(heads)} 条发布链）" if len(heads) > 1 else ""
        self.stdout.write(self.style.SUCCESS(f"核验通过：{count} 条发布{chains}，哈希与链条完整"))
        # Home first, as always; then each other jurisdiction's, by slug.
        for jurisdiction, head in heads:
            if jurisdiction is None:
                self.stdout.write(f"链头 SHA-256：{head.sha256}")
            else:
                self.stdout.write(
                    f"「{jurisdiction.name}」（{jurisdiction.slug}）链头 SHA-256：{head.sha256}"
                )
        entries = AuditEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"审计日志核验通过：{entries} 条记录，哈希与链条完整"))
        newest = audit_head()
        if newest:
            # Written down outside the database, it catches the newest entries deleted.
            self.stdout.write(
                f"审计日志链头：{newest['seq']}:{newest['sha256']}"
                "（请另行记下，下次用 --audit-head 核对）"
            )
        for line in audit_coverage():
            self.stdout.write(line)
