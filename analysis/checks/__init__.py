"""Correctness under load (issue 20): the figures of a run's ``[checks]`` from the files memload's
checks wrote (memload.names: checks_counts.csv, checks_histograms.csv, checks_violations.jsonl,
checks_audit.json), and their plot. No locust, no gevent."""
