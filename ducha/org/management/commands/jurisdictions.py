import json

from django.core.management.base import BaseCommand

from ducha.org.management.commands._jurisdiction import in_tree_order


class Command(BaseCommand):
    help = "列出所有辖区（省、市、县市区），上级在前、下级随后；--jurisdiction 用其标识"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options):
        everyone = in_tree_order()
        slugs = {j.pk: j.slug for j in everyone}
        rows = [
            {
                "slug": j.slug,
                "name": j.name,
                "level": j.level,
                "parent": slugs.get(j.parent_id),
                "home": j.home,
            }
            for j in everyone
        ]
        if options["format"] == "json":
            out = json.dumps({"jurisdictions": rows}, ensure_ascii=False, indent=1)
            self.stdout.write(out)
            return
        depth: dict[str, int] = {}
        self.stdout.write(f"{'标识':<22} {'名称':<16} {'层级':<6} 上级")
        for j, row in zip(everyone, rows, strict=True):
            depth[j.slug] = depth[row["parent"]] + 1 if row["parent"] else 0
            name = "  " * depth[j.slug] + j.name + ("（本级）" if j.home else "")
            parent = row["parent"] or "—"
            self.stdout.write(f"{j.slug:<24} {name:<16} {j.get_level_display():<6} {parent}")
