"""Timing helpers shared by the benchmarks."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int

    def line(self, label: str, target_ms: float | None = None) -> str:
        verdict = ""
        if target_ms is not None:
            verdict = (
                f" (target < {target_ms:g} ms: {'met' if self.median_ms < target_ms else 'MISSED'})"
            )
        return (
            f"{label}: median {self.median_ms:.2f} ms, p95 {self.p95_ms:.2f} ms "
            f"over {self.runs} runs{verdict}"
        )


def time_calls(function: Callable[[], object], *, runs: int = 200, warmup: int = 10) -> Timing:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(
        median_ms=statistics.median(samples),
        p95_ms=samples[int(len(samples) * 0.95) - 1],
        runs=runs,
    )
