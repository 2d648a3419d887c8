"""Mutated model files raise only labelwise errors, or load as models that predict.

300 inputs from the generator of ``benchmarks/fuzz_model_files.py`` (fixed seed, in-process;
inflation and JSON bombs capped at 17 MiB, still over the 16 MiB JSON bound, so the suite stays
light); the benchmark runs 10,000 in a worker process with a time limit and measures its peak
memory.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
N_CASES = 300
SEED = 20261204


def _load_fuzzer():
    name = "_labelwise_benchmark_fuzz_model_files"
    if name not in sys.modules:
        path = ROOT / "benchmarks" / "fuzz_model_files.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


fuzz = _load_fuzzer()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return fuzz.build_seeds(tmp_path_factory.mktemp("seeds"), neural=False)


@pytest.mark.timeout(600)
def test_mutated_model_files_raise_only_labelwise_errors(seeds, tmp_path):
    tally = fuzz.fuzz(seeds, N_CASES, seed=SEED, workdir=tmp_path, max_bomb=17 * fuzz.MiB)
    assert tally.inputs == N_CASES
    problems = [f"#{i} {name} {chosen}: {problem[:400]}" for i, name, chosen, problem, _ in
                tally.failures]  # fmt: skip
    assert tally.bad == 0, "\n".join(problems[:10])
    # the inputs really are mixed: some still load (and predict), most are refused
    assert 0 < tally.ok < tally.labelwise
    mutations = {m for m, _ in tally.by_mutation}
    assert mutations == set(fuzz.MUTATIONS), set(fuzz.MUTATIONS) - mutations


def test_clean_seeds_load_and_predict(seeds, tmp_path):
    for s in seeds:
        path = tmp_path / f"{s.name}.lw"
        path.write_bytes(s.data)
        out = fuzz.load_one(str(path), s.sample)
        assert out[0] == "ok", (s.name, out)


def test_rebuilt_archives_are_the_same_model(seeds, tmp_path):
    """The hand-written zip of the generator is a valid model file when nothing is mutated, so
    refusals come from the mutations, not from the writer."""
    for s in seeds:
        case = fuzz.Case(s, np.random.default_rng(0), fuzz.MiB)
        case.recompute = True
        path = tmp_path / f"{s.name}.lw"
        path.write_bytes(case.assemble())
        assert fuzz.load_one(str(path), s.sample)[0] == "ok", s.name


def test_inputs_are_reproducible(seeds):
    a = fuzz.make_input(seeds, np.random.default_rng([1, 2]), max_bomb=fuzz.MiB)
    b = fuzz.make_input(seeds, np.random.default_rng([1, 2]), max_bomb=fuzz.MiB)
    assert a[1] == b[1] and a[2] == b[2]
