"""Capacity (issue 12): the steps of a run, and the model, pure functions over measured steps.

- ``steps``: the settled figures of each step of a concurrency-steps run (read from a results run).
- ``usl``: the Universal Scalability Law fit of steady throughput against concurrency, with
  confidence intervals, the predicted peak, what limits the service, and whether the fit may be used.
- ``knee``: the first step of a concurrency-steps run where p95 grows faster than throughput.
- ``projection``: instances needed for a target load from the capacity measured at the SLO.
- ``answer``: the one-sentence answer at the top of a capacity report.
- ``plots``: throughput against concurrency, the latency "hockey stick", an arrival-rate search.
"""
