"""Runs across machines: ``memload master`` (a run whose workers connect from elsewhere) and
``memload worker`` (a Locust worker that takes its scenario from the master)."""
