"""The "1+6" framework: the overall plan and six fields of reform (SPEC.md §1)."""

AREAS = [
    # key, name, short name, other spellings the importers accept
    ("overall", "总体", "总体", "总体方案,1,综合"),
    ("party", "抓党建", "党建", "党的建设,party building"),
    ("industry", "强产业", "产业", "产业发展,industry"),
    ("environment", "优环境", "环境", "营商环境,优化营商环境,business environment"),
    ("opening", "促开放", "开放", "对外开放,opening-up,opening up"),
    ("rural", "兴乡村", "乡村", "乡村振兴,rural revitalisation,rural revitalization"),
    ("livelihood", "惠民生", "民生", "民生保障,livelihoods"),
]

# The letters a ledger numbered only by 序号 gets its task codes from: CY2021-007.
CODE_PREFIXES = {
    "overall": "ZT",
    "party": "DJ",
    "industry": "CY",
    "environment": "HJ",
    "opening": "KF",
    "rural": "XC",
    "livelihood": "MS",
}


def ensure_areas(area_model) -> None:
    """Create or refresh the seven areas (the model is passed in so migrations can use it)."""
    for order, (key, name, short, aliases) in enumerate(AREAS):
        area_model.objects.update_or_create(
            key=key,
            defaults={"name": name, "short_name": short, "aliases": aliases, "order": order},
        )
