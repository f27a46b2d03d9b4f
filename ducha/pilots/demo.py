"""The demo's pilots, seeded by ducha/demo/registers.py after the 2021 boards."""


def seed() -> list[str]:
    """Create or refresh this app's demo data (running it again changes nothing); the lines
    `ducha demo` prints about it."""
    return []
