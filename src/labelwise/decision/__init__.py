"""Decision rules: turn score matrices into label sets, tuned on validation data or calibrated
with a stated guarantee."""

from labelwise.decision._base import DecisionRule, FixedThreshold
from labelwise.decision.bayes import BayesOptimal
from labelwise.decision.calibration import (
    Calibrated,
    ReliabilityCurve,
    expected_calibration_error,
    reliability_curve,
)
from labelwise.decision.conformal import ConformalSets
from labelwise.decision.guarantees import (
    PromiseCheck,
    check_promise,
    guaranteed_rule_from_spec,
    is_guaranteed,
)
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
    "PromiseCheck",
    "PruneDownward",
    "RankCut",
    "RecallControl",
    "ReliabilityCurve",
    "ThresholdedClassifier",
    "TopDownArgmax",
    "TopK",
    "achieved_risk",
    "check_promise",
    "decide_from_estimator",
    "estimator_scores",
    "expected_calibration_error",
    "guaranteed_rule_from_spec",
    "is_guaranteed",
    "reliability_curve",
    "required_calibration_size",
    "rows_seen_in_training",
]
