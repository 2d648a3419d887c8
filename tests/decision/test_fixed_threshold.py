"""FixedThreshold and the scores-then-rule contract of models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from labelwise.decision import FixedThreshold
from labelwise.errors import ShapeError, TargetError


def test_fixed_threshold_is_inclusive_and_per_label():
    s = np.array([[0.5, 0.49], [0.9, 0.1]])
    np.testing.assert_array_equal(FixedThreshold().predict(s), [[1, 0], [1, 0]])
    np.testing.assert_array_equal(FixedThreshold([0.95, 0.05]).predict(s), [[0, 1], [0, 1]])
    assert clone(FixedThreshold(0.3)).get_params() == {"threshold": 0.3}


def test_fixed_threshold_errors():
    with pytest.raises(ShapeError, match="3 columns"):
        FixedThreshold([0.5, 0.5]).predict(np.zeros((2, 3)))
    with pytest.raises(TargetError, match="NaN"):
        FixedThreshold().predict([[np.nan]])
