from django.apps import AppConfig


class OpendoorConfig(AppConfig):
    name = "ducha.opendoor"
    verbose_name = "开门搞改革"

    def ready(self):
        from ducha.bulletins.content import YEAR_SECTIONS
        from ducha.opendoor.figures import year_section

        if year_section not in YEAR_SECTIONS:
            YEAR_SECTIONS.append(year_section)
