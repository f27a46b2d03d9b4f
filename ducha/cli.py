"""The `ducha` console script: Django's management entry point with settings preset.

Commands may be typed with hyphens as SPEC.md writes them (`ducha import-ledger`);
the modules behind them use underscores, as Python requires.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "ducha"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 2 and argv[1] == "help" and not argv[2].startswith("-"):
        argv[2] = argv[2].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
