"""Print the build's figures: wall time per phase, triples, peak memory.

Usage: python benchmarks/build.py [RUNS]   (default 3; --smoke: one run)
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from guian_kg.build import build


def main(runs: int) -> None:
    phases: dict[str, list[float]] = {}
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            started = time.perf_counter()
            # Each run into a folder of its own: into the last run's, nothing changed and nothing
            # would be built (guian_kg.build_record).
            result = build(Path(tmp) / f"dist-{run}")
            totals.append(time.perf_counter() - started)
            for phase, seconds in result.timings.items():
                phases.setdefault(phase, []).append(seconds)
        sizes = {p.name: p.stat().st_size for p in result.files}
    kg = result.kg
    print(f"runs: {runs}")
    print(
        f"triples: ontology {len(kg.ontology)}, data {len(kg.data)}, void {len(kg.void)}, "
        f"total {len(kg.ontology) + len(kg.data) + len(kg.void)}"
    )
    print(f"{'phase':<10} {'median s':>9} {'min s':>8}")
    for phase, values in phases.items():
        print(f"{phase:<10} {statistics.median(values):>9.3f} {min(values):>8.3f}")
    print(f"{'total':<10} {statistics.median(totals):>9.3f} {min(totals):>8.3f}")
    # ru_maxrss is in KiB on Linux.
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    for name, size in sizes.items():
        print(f"{name:<20} {size:>9} bytes")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--smoke"]
    main(1 if "--smoke" in sys.argv[1:] else int(args[0]) if args else 3)
