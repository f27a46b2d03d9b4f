from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "ducha.pilots"
    verbose_name = "改革试点"

    def ready(self):
        from ducha.bulletins.content import YEAR_SECTIONS
        from ducha.pilots.review import year_section

        if year_section not in YEAR_SECTIONS:
            YEAR_SECTIONS.append(year_section)
