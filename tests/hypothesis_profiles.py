"""Two hypothesis profiles, chosen by HYPOTHESIS_PROFILE: `full` (the default, what `make test`
and CI run) and `fast` (what `make test-fast` runs, for the local loop).

A property that asks for more examples than hypothesis' default wraps its count in
`examples(n)`: the full profile runs exactly n, as it always has, and the fast profile runs a
thirtieth of it (at least five), so CI never runs fewer examples than the count written in the test.
The fast profile is for the minute-and-a-half loop: it checks that a property still holds its
shape, and leaves the search for counterexamples to CI.
"""

import os

from hypothesis import settings

FULL = "full"
FAST = "fast"
FAST_EXAMPLES = 5

# Hypothesis' own defaults (100 examples a test) are the full profile.
settings.register_profile(FULL)
settings.register_profile(FAST, max_examples=FAST_EXAMPLES)


def profile_name() -> str:
    name = os.environ.get("HYPOTHESIS_PROFILE", "").strip() or FULL
    if name not in {FULL, FAST}:
        raise ValueError(f"HYPOTHESIS_PROFILE={name!r}: use {FULL!r} or {FAST!r}")
    return name


def examples(count: int) -> int:
    """The number of examples a property that asks for `count` runs under the active profile."""
    if profile_name() == FAST:
        return max(FAST_EXAMPLES, count // 30)
    return count


settings.load_profile(profile_name())
