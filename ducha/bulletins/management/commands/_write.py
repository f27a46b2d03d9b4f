"""What `ducha bulletin` and `ducha review` share: the format and output arguments, and
writing the document."""

from pathlib import Path

from django.core.management.base import CommandError

from ducha.boards.poster import PosterError
from ducha.bulletins.files import FORMATS, render


def add_output_arguments(parser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), required=True)
    parser.add_argument("-o", "--output", required=True, help="输出文件")


def write(make, options, stdout) -> None:
    """`make()` gives the Document (or raises BulletinError); written to -o in --format."""
    from ducha.bulletins.content import BulletinError

    try:
        data = render(make(), options["format"])
    except (BulletinError, PosterError) as e:
        raise CommandError(str(e)) from None
    output = Path(options["output"])
    output.write_bytes(data)
    stdout.write(f"已写出 {output}（{len(data)} 字节）")
