from django.apps import AppConfig

DECISIONS_STAMP = (
    "SELECT COUNT(*), MAX(tracked_at) FROM committee_decision WHERE task_id IS NOT NULL"
)


class CommitteeConfig(AppConfig):
    name = "ducha.committee"
    verbose_name = "深改委会议与决定"

    def ready(self):
        from ducha.bulletins.content import YEAR_SECTIONS
        from ducha.committee.yearly import review_section

        if review_section not in YEAR_SECTIONS:
            YEAR_SECTIONS.append(review_section)
        # A public task page shows the decisions it follows: its cached copy moves with them.
        from ducha.lib.pagecache import TASK_PAGE_STAMPS

        if DECISIONS_STAMP not in TASK_PAGE_STAMPS:
            TASK_PAGE_STAMPS.append(DECISIONS_STAMP)
