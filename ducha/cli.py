"""The `ducha` console script: Django's management entry point with settings preset.

Commands may be typed with hyphens as SPEC.md writes them (`ducha import-ledger`);
the modules behind them use underscores, as Python requires.
"""

import os
import sys
import textwrap

from django.core.management import ManagementUtility


class Utility(ManagementUtility):
    def main_help_text(self, commands_only=False):
        """Ducha's own commands first, each with its one line of help; Django's after.

        Django lists every command by app, its own first alphabetically, so `flush` and
        `startproject` come before anything a clerk or the office would run.
        """
        if commands_only or self.settings_exception is not None:
            return super().main_help_text(commands_only)
        from django.core.management import get_commands, load_command_class

        ours, theirs = {}, {}
        for name, app in get_commands().items():
            (ours if app.startswith("ducha.") else theirs)[name] = app
        width = max(map(len, ours), default=0) + 2
        prog = self.prog_name
        lines = [
            "",
            f"用法：{prog} <命令> [选项]；{prog} help <命令> 查看某个命令的用法。",
            "",
            "Ducha 命令",
        ]
        for name in sorted(ours):
            try:
                text = str(load_command_class(ours[name], name).help or "").strip()
            except Exception:  # a command that cannot load must not hide the others
                text = ""
            summary = text.splitlines()[0] if text else ""
            lines.append(f"  {name.replace('_', '-'):<{width}}{summary}".rstrip())
        lines += [
            "",
            "Django 命令（框架自带，按应用）",
            f"  常用：{prog} migrate --noinput 建立或升级数据库；"
            f"{prog} createsuperuser 创建管理员；{prog} changepassword 改密码",
        ]
        by_app: dict[str, list[str]] = {}
        for name, app in theirs.items():
            label = "django" if app == "django.core" else app.rpartition(".")[-1]
            by_app.setdefault(label, []).append(name)
        for label in sorted(by_app):
            lines.append(f"  [{label}]")
            lines += textwrap.wrap(
                " ".join(sorted(by_app[label])), 76, initial_indent="    ", subsequent_indent="    "
            )
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "ducha"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 2 and argv[1] == "help" and not argv[2].startswith("-"):
        argv[2] = argv[2].replace("-", "_")
    Utility(argv).execute()


if __name__ == "__main__":
    main()
