"""The hierarchy summary (depth, nodes per level, violations), shown by ``labelwise inspect``."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from labelwise.cli import main
from labelwise.data import Hierarchy
from labelwise.diagnostics import hierarchy_summary

ARFF = """@relation tiny
@attribute f1 numeric
@attribute animal {0,1}
@attribute cat {0,1}
@attribute dog {0,1}
@attribute car {0,1}
@data
0.1,1,1,0,0
0.2,0,1,0,0
0.3,1,0,1,0
0.4,0,0,0,1
0.5,0,1,0,1
"""
XML = (
    '<labels xmlns="http://mulan.sourceforge.net/labels"><label name="animal">'
    '<label name="cat"/><label name="dog"/></label><label name="car"/></labels>'
)


def test_summary_counts_levels_implicit_nodes_and_violations():
    h = Hierarchy.from_groups({"vehicle": ["car"], "animal": ["cat", "dog"]})
    Y = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 1]])
    names = ["animal", "cat", "dog", "car"]  # vehicle is implicit
    s = hierarchy_summary(h, Y, names)
    assert (s.n_nodes, s.n_implicit, s.depth, s.nodes_per_level) == (5, 1, 2, [2, 3])
    assert s.n_violating_rows == 2 and s.violations == [("cat", "animal", 2)]
    assert "violations    2 rows: cat without animal (2)" in str(s)


def test_inspect_prints_the_hierarchy(tmp_path):
    (tmp_path / "tiny.arff").write_text(ARFF)
    (tmp_path / "tiny.xml").write_text(XML)
    args = ["inspect", str(tmp_path / "tiny.arff"), "--labels", str(tmp_path / "tiny.xml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Label hierarchy" in result.output
    assert "per level     2 / 2" in result.output
    assert "violations    2 rows: cat without animal (2)" in result.output
    out = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert out["hierarchy"]["nodes_per_level"] == [2, 2]
    assert out["hierarchy"]["violations"] == [["cat", "animal", 2]]
