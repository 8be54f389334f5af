"""The harness error of analysis: a results directory that cannot be reported on."""

from __future__ import annotations


class ReportError(Exception):
    """A usage or harness error (missing run directory or required file, unreadable run.json, a
    threshold that does not parse). The message is one line; ``memload report`` exits 2."""
