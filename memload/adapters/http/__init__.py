"""The declarative HTTP adapter (``target = "http"``): a service's API described in the scenario's
``[http]`` table, no code. ``spec`` reads and checks the table, ``templates`` fills bodies and paths,
``jsonpath`` finds ids and results in answers, ``adapter`` makes the requests."""
