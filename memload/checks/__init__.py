"""Correctness under load (issue 20): what comes back, not only how fast.

``spec`` (the ``[checks]`` table and the figure names; pure, the scenario reads it), ``found`` (an
adapter's answer as memories), ``state`` (per-process counters, lag histograms, examples and the
write log, merged on the master), ``operations`` and ``rw`` (the checked operations and the
read-your-writes poller, inside Locust), ``install`` (the wiring into Locust and the files),
``audit`` (after the load: read back every acknowledged write, outside Locust).
"""
