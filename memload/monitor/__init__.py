"""Watching the service under load: psutil samples of its processes and of the machine, its
Prometheus /metrics and any other Prometheus endpoint (``sampling``), and the scenario's
``[monitor]`` table naming what to watch of a service memload did not start (``spec``, ``setup``)."""
