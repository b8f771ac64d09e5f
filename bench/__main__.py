"""Run every benchmark and print its figures: ``python -m bench [name ...]``."""

import importlib
import os
import platform
import sys

BENCHMARKS = ("planner",)


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n## {name}")
        for line in module.run():
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
