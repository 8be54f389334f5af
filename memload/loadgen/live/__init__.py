"""The run while it goes on: memload's live totals (Prometheus endpoint, abort_on_fail) and its tabs
in Locust's web UI."""
