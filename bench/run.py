"""``make bench``: run every benchmark section that exists and print one table per section.

A section is a module ``bench/<name>.py`` with ``main() -> list[dict]``: one dict per table
row, the same keys in every row (the keys are the columns, in order). Add a section by
writing the module and naming it in ``SECTIONS``; a section not written yet is skipped.

    python bench/run.py              # every section
    python bench/run.py quality      # only some
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SECTIONS = ["quality", "speed", "language", "dask_scale", "serve_load"]


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def format_table(rows: list[dict]) -> str:
    """Rows of dicts as an aligned text table (numbers right-aligned, 3 decimals)."""
    if not rows:
        return "(no rows)"
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def numeric(i: int) -> bool:
        return all(isinstance(row.get(columns[i]), int | float | type(None)) for row in rows)

    def line(values):
        return "  ".join(
            v.rjust(widths[i]) if numeric(i) else v.ljust(widths[i]) for i, v in enumerate(values)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def load_section(name: str):
    """The module bench/<name>.py, or None when it does not exist yet."""
    path = BENCH / f"{name}.py"
    if not path.exists():
        return None
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help=f"some of: {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    failed = 0
    for name in args.sections or SECTIONS:
        started = time.perf_counter()
        try:
            module = load_section(name)
            if module is None:
                print(f"[bench] {name}: not written yet, skipped", file=sys.stderr)
                continue
            rows = module.main()
        except Exception as exc:  # one broken section must not hide the others' figures
            failed += 1
            print(f"[bench] {name}: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - started
        print(f"\n== {name} ({seconds:.0f} s) ==")
        print(format_table(rows))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
