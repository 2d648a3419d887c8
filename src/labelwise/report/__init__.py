"""The HTML report: metrics, curves, the dataset profile and the leaderboard on one page.

It computes nothing new; see :func:`build_report`.
"""

from labelwise.report.page import build_report, rule_thresholds, write_report

__all__ = ["build_report", "rule_thresholds", "write_report"]
