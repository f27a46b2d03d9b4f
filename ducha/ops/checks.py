"""`ducha check` (and every start) refuses a metrics allow-list it cannot read, rather
than let /metrics answer nobody, or the wrong people, without a word."""

from django.conf import settings
from django.core.checks import Error, register

from ducha.ops.access import networks


@register()
def metrics_allow_list(app_configs, **kwargs):
    try:
        networks(settings.DUCHA_METRICS_ALLOW)
    except ValueError as error:
        return [
            Error(
                f"DUCHA_METRICS_ALLOW: {error}",
                hint="Comma-separated networks such as 127.0.0.1/32,::1/128,10.0.5.0/24",
                id="ducha.E101",
            )
        ]
    return []
