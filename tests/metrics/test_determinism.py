"""A CI run must never fail by chance: the hypothesis profile, and no unseeded randomness in tests.

These guard the whole suite (every file under tests/), not only the metrics.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import settings

TESTS = Path(__file__).resolve().parents[1]

# randomness that does not take a seed: numpy's global generator, argument-less generators,
# the standard library's module-level functions, torch's global generator
UNSEEDED = re.compile(
    r"np\.random\.(rand|randn|randint|random|random_sample|choice|shuffle|permutation|normal"
    r"|uniform|binomial|poisson|seed)\("
    r"|default_rng\(\s*\)|RandomState\(\s*\)"
    r"|\brandom\.(random|randint|randrange|choice|choices|shuffle|sample|uniform|gauss)\("
    r"|torch\.(rand|randn|randint|randperm|bernoulli|multinomial)\((?![^)]*generator=)"
)


def test_profile_follows_the_environment():
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    if chosen == "ci" or (chosen is None and in_ci):
        assert settings.default.derandomize is True
        assert settings.default.database is None
        assert settings.default.deadline is None
    elif chosen == "dev" or (chosen is None and not in_ci):
        assert settings.default.derandomize is False
        assert settings.default.deadline is None


def test_no_test_overrides_the_profile_or_draws_unseeded_randomness():
    problems = []
    for path in sorted(TESTS.rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if path.name == Path(__file__).name:
                continue
            if "derandomize" in code and path.name != "conftest.py":
                problems.append(f"{path.relative_to(TESTS)}:{lineno}: sets derandomize")
            if UNSEEDED.search(code):
                problems.append(f"{path.relative_to(TESTS)}:{lineno}: {code.strip()}")
    assert not problems, "seed these (or leave derandomize to the profile):\n" + "\n".join(problems)


def test_the_scan_finds_what_it_looks_for():
    for bad in (
        "x = np.random.rand(3)",
        "rng = np.random.default_rng()",
        "random.shuffle(items)",
        "t = torch.randn(4, 2)",
    ):
        assert UNSEEDED.search(bad), bad
    for good in (
        "rng = np.random.default_rng(0)",
        "rng.random((3, 2))",
        "np.random.RandomState(1).permutation(5)",
        "torch.randn(4, generator=g)",
    ):
        assert not UNSEEDED.search(good), good
