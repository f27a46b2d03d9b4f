"""The figures of a deadline-day run, from locust's CSV files, against the targets.

    python -m benchmarks.load.summary var/load/locust

Prints requests, errors and p50/p95/p99 per request class, and exits non-zero when any
request failed, the locustfile raised, a target class saw no request at all, or a p95 is
over its target: submissions under 1 s, the public board under 200 ms (issue 14).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

TARGETS_MS = {"submission": 1000, "board": 200}
# The classes the issue names first, then the steps between them.
ORDER = ("submission", "board", "/me/", "draft save", "approve", "review")


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float

    @property
    def target(self) -> int | None:
        return TARGETS_MS.get(self.name)

    @property
    def meets_target(self) -> bool:
        return self.target is None or (self.requests > 0 and self.p95 < self.target)


def _number(text: str) -> float:
    return float(text) if text not in ("", "N/A") else 0.0


def read(prefix: Path) -> tuple[list[Row], Row | None, int]:
    """The rows per class (in ORDER, then by name), the aggregate, and the exceptions."""
    rows, total = [], None
    with open(f"{prefix}_stats.csv", newline="") as f:
        for r in csv.DictReader(f):
            row = Row(
                r["Type"],
                r["Name"],
                int(r["Request Count"]),
                int(r["Failure Count"]),
                _number(r["50%"]),
                _number(r["95%"]),
                _number(r["99%"]),
            )
            if row.name == "Aggregated":
                total = row
            else:
                rows.append(row)
    rank = {name: i for i, name in enumerate(ORDER)}
    rows.sort(key=lambda r: (rank.get(r.name, len(ORDER)), r.name, r.method))
    exceptions = 0
    path = Path(f"{prefix}_exceptions.csv")
    if path.exists():
        with path.open(newline="") as f:
            exceptions = sum(int(r["Count"]) for r in csv.DictReader(f))
    return rows, total, exceptions


def problems(rows: list[Row], total: Row | None, exceptions: int) -> list[str]:
    """Why the run fails; empty when it passes."""
    out = []
    failures = total.failures if total else sum(r.failures for r in rows)
    if failures:
        out.append(f"{failures} failed requests")
    if exceptions:
        out.append(f"{exceptions} exceptions in the locustfile")
    for name, limit in TARGETS_MS.items():
        seen = [r for r in rows if r.name == name]
        if not seen or not sum(r.requests for r in seen):
            out.append(f"no {name} request was made")
        out += [
            f"{name} p95 {r.p95:.0f} ms, target < {limit} ms" for r in seen if not r.meets_target
        ]
    return out


def table(rows: list[Row], total: Row | None) -> str:
    lines = [
        f"{'class':<14} {'':<5} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7}  target"
    ]
    for r in [*rows, *([total] if total else [])]:
        goal = f"p95 < {r.target} ms: {'ok' if r.meets_target else 'MISSED'}" if r.target else ""
        name = "all" if r is total else r.name
        lines.append(
            f"{name:<14} {r.method:<5} {r.requests:>8} {r.failures:>6} {r.p50:>7.0f} "
            f"{r.p95:>7.0f} {r.p99:>7.0f}  {goal}".rstrip()
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prefix = Path(args[0] if args else "var/load/locust")
    rows, total, exceptions = read(prefix)
    print(table(rows, total))
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(newline="") as f:
            for r in csv.DictReader(f):
                print(f"  failed {r['Occurrences']}×: {r['Method']} {r['Name']}: {r['Error']}")
    wrong = problems(rows, total, exceptions)
    print("FAILED: " + "; ".join(wrong) if wrong else "passed: 0 errors, p95 within targets")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
