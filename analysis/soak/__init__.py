"""The soak analysis (issue 13): a long run's load split into windows, resource trends and leak
verdicts, latency drift between the first and last window, and error bursts. Computed without
matplotlib (analysis/figures imports it); the plots live in analysis/plots/soak.py."""
