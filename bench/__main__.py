"""Run every benchmark and print its figures: ``python -m bench [name ...]``."""

import importlib
import os
import platform
import sys

BENCHMARKS = ("planner", "api", "reminders", "page_weight")


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    failed = []
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n## {name}", flush=True)
        try:
            lines = module.run()
        except getattr(module, "BenchError", ()) as error:
            # A benchmark that cannot measure says why and fails the run; the others go on.
            print(f"FAILED: {error}")
            failed.append(name)
            continue
        for line in lines:
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
