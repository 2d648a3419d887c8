"""Decision rules: turn score matrices into label sets, tuned on validation data."""

from labelwise.decision._base import DecisionRule, FixedThreshold
from labelwise.decision.bayes import BayesOptimal
from labelwise.decision.calibration import (
    Calibrated,
    ReliabilityCurve,
    expected_calibration_error,
    reliability_curve,
)
from labelwise.decision.conformal import ConformalSets
from labelwise.decision.hierarchical import (
    CloseUpward,
    ConsistentSet,
    PruneDownward,
    TopDownArgmax,
)
from labelwise.decision.meta import ThresholdedClassifier, decide_from_estimator, estimator_scores
from labelwise.decision.ranking_rules import AtLeastOne, RankCut, TopK
from labelwise.decision.risk_control import (
    FalsePositiveControl,
    Guarantee,
    PrecisionControl,
    RecallControl,
    achieved_risk,
    required_calibration_size,
    rows_seen_in_training,
)
from labelwise.decision.thresholds import GlobalThreshold, PerLabelThreshold

__all__ = [
    "AtLeastOne",
    "BayesOptimal",
    "Calibrated",
    "CloseUpward",
    "ConformalSets",
    "ConsistentSet",
    "DecisionRule",
    "FalsePositiveControl",
    "FixedThreshold",
    "GlobalThreshold",
    "Guarantee",
    "PerLabelThreshold",
    "PrecisionControl",
    "PruneDownward",
    "RankCut",
    "RecallControl",
    "ReliabilityCurve",
    "ThresholdedClassifier",
    "TopDownArgmax",
    "TopK",
    "achieved_risk",
    "decide_from_estimator",
    "estimator_scores",
    "expected_calibration_error",
    "reliability_curve",
    "required_calibration_size",
    "rows_seen_in_training",
]
