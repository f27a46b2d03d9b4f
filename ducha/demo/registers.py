"""The rest of the source's system in the demo: the committee's meetings and decisions, the
交办事项, the pilots, the open door's suggestions and the war map. Each app seeds its own
(its `demo.seed()`), in this order: a meeting's decisions name the tasks and units already
there, and the 交办事项 include those decisions'."""

from ducha.assignments import demo as assignments
from ducha.committee import demo as committee
from ducha.opendoor import demo as opendoor
from ducha.pilots import demo as pilots
from ducha.warmap import demo as warmap

SEEDERS = (committee, assignments, pilots, opendoor, warmap)


def seed_registers() -> list[str]:
    """Every app's demo data, once; the lines the demo prints about them."""
    lines: list[str] = []
    for app in SEEDERS:
        lines += app.seed()
    return lines
