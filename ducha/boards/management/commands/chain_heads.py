import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ducha.audit import verify_log
from ducha.boards import heads
from ducha.boards.publication import verify


class Command(BaseCommand):
    help = (
        "打印各发布链的链头和审计日志链头，供记在系统之外（通报、其他系统、纸面）；"
        "--check 文件 核对此前记下的链头仍在、未被改动，并列出其后的发布"
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("-o", "--output", help="写入此文件（不覆盖已有文件）")
        parser.add_argument(
            "--check", metavar="FILE", help="此前用 --format json 记下的链头文件：逐条核对"
        )

    def handle(self, *args, **options):
        # A head is worth writing down only if the chain behind it is whole.
        broken = verify() + verify_log()
        if options["check"]:
            self._check(Path(options["check"]), broken)
            return
        if broken:
            raise CommandError(
                "发布链或审计日志核验未通过，不记录链头（先查明原因，见 ducha verify）：\n"
                + "\n".join(f"  {p}" for p in broken)
            )
        record = heads.record()
        text = (
            json.dumps(record, ensure_ascii=False, indent=2) + "\n"
            if options["format"] == "json"
            else self._text(record)
        )
        if options["output"]:
            path = Path(options["output"])
            try:
                with path.open("x", encoding="utf-8") as out:
                    out.write(text)
            except FileExistsError:
                raise CommandError(f"{path} 已存在，不覆盖") from None
            except OSError as error:
                raise CommandError(f"无法写入 {path}：{error.strerror}") from None
            self.stdout.write(f"链头已写入 {path}")
        else:
            self.stdout.write(text, ending="")

    @staticmethod
    def _text(record: dict) -> str:
        lines = [f"发布链链头（{record['recorded_at']} 核验通过后记录）"]
        for c in record["chains"]:
            lines.append(
                f"{c['name']}（{c['jurisdiction']}）：{c['month']} 第{c['version']}版，"
                f"序号 {c['seq']}，发布于 {c['published_at']}"
            )
            lines.append(f"  SHA-256 {c['sha256']}")
        if not record["chains"]:
            lines.append("（尚无发布）")
        audit = record["audit"]
        if audit:
            lines.append(f"审计日志链头：{audit['seq']}:{audit['sha256']}")
        home = record["chains"][0]["sha256"] if record["chains"] else None
        check = ["ducha verify"]
        if home:
            check.append(f"--head {home}")
        if audit:
            check.append(f"--audit-head {audit['seq']}:{audit['sha256']}")
        lines.append("核对本级链头：" + " ".join(check))
        lines.append("核对所有链头：ducha chain-heads --check 记下的 JSON 文件")
        return "\n".join(lines) + "\n"

    def _check(self, path: Path, broken: list[str]) -> None:
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"无法读取 {path}：{error.strerror}") from None
        except ValueError:
            raise CommandError(
                f"{path} 不是 JSON（应是 ducha chain-heads --format json 的输出）"
            ) from None
        try:
            problems, notes = heads.check(recorded)
        except heads.BadRecord as error:
            raise CommandError(f"{path}：{error}") from None
        for note in notes:
            self.stdout.write(note)
        if broken or problems:
            raise CommandError("核对未通过：\n" + "\n".join(f"  {p}" for p in [*problems, *broken]))
        self.stdout.write(self.style.SUCCESS("核对通过：记下的链头都在，未被改动"))
