"""`--jurisdiction SLUG`, as every command acting on one jurisdiction takes it."""

from django.core.management.base import CommandError

from ducha.org.models import Jurisdiction


def add_jurisdiction_argument(parser) -> None:
    parser.add_argument(
        "--jurisdiction",
        metavar="SLUG",
        help="辖区标识（县市区等，见 ducha jurisdictions）；默认为本级",
    )


def in_tree_order() -> list[Jurisdiction]:
    """Every jurisdiction, each followed by those below it (province, city, its counties…)."""
    out = []
    for root in Jurisdiction.objects.filter(parent=None).order_by("order", "slug"):
        out += [root, *Jurisdiction.objects.below(root)]
    return out


def chosen_jurisdiction(slug: str | None) -> Jurisdiction:
    """The jurisdiction a command was given (the home one without --jurisdiction), or a
    CommandError naming the slugs there are."""
    if not slug:
        return Jurisdiction.objects.home()
    found = Jurisdiction.objects.filter(slug=slug).first()
    if found is None:
        slugs = "、".join(j.slug for j in in_tree_order())
        raise CommandError(f"没有标识为「{slug}」的辖区，现有：{slugs}")
    return found
