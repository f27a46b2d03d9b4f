import getpass
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ducha.audit import record
from ducha.boards import exports
from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, snapshot_with_hash, whose
from ducha.lib.cli import month_argument
from ducha.lib.months import format_month_zh
from ducha.org.management.commands._jurisdiction import (
    add_jurisdiction_argument,
    chosen_jurisdiction,
)


class Command(BaseCommand):
    help = "输出已发布的四色公示（json、csv、xlsx 或 pdf 海报）"

    def add_base_argument(self, parser, *args, **kwargs):
        # SPEC §4 gives this command its own --version N (the board version).
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=["json", "csv", "xlsx", "pdf"], default="json")
        parser.add_argument("-o", "--output", help="输出文件（json、csv 默认输出到屏幕）")
        parser.add_argument("--version", type=int, dest="board_version", help="版本号，默认最新")
        add_jurisdiction_argument(parser)

    def handle(self, *args, **options):
        month = month_argument(options["month"])
        jurisdiction = chosen_jurisdiction(options["jurisdiction"])
        label = whose(jurisdiction) + format_month_zh(month)
        versions = Publication.objects.filter(chain_filter(jurisdiction), month=month)
        versions = versions.order_by("-version")
        if options["board_version"]:
            versions = versions.filter(version=options["board_version"])
        publication = versions.first()
        if publication is None:
            which = f"第{options['board_version']}版" if options["board_version"] else ""
            raise CommandError(f"{label}{which}尚未发布")
        board = snapshot_with_hash(publication)
        fmt, output = options["format"], options["output"]
        if fmt in ("xlsx", "pdf") and not output:
            raise CommandError(f"--format {fmt} 需要用 -o 指定输出文件")
        if fmt == "json":
            self._emit(json.dumps(board, ensure_ascii=False, indent=1), output)
        elif fmt == "csv":
            self._emit(exports.board_csv(board), output, bom=True)
        elif fmt == "xlsx":
            exports.board_xlsx(board, output)
        else:
            from ducha.boards.poster import PosterError, board_pdf

            try:
                board_pdf(board, output)
            except PosterError as e:
                raise CommandError(str(e)) from None
        if output:
            record(
                "exported",
                actor_name=getpass.getuser(),
                target=publication,
                detail={"what": "board", "format": fmt, "file": output},
            )
            self.stdout.write(f"已写出 {output}（{label}第{publication.version}版）")

    def _emit(self, text: str, output: str | None, bom: bool = False) -> None:
        if output:
            # Excel on Chinese Windows needs the BOM to read UTF-8 CSV.
            with open(output, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
                f.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
