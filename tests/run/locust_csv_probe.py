"""Run by tests/run/test_web_tests.py in a process of its own (Locust monkey-patches the standard
library): Locust's own CSV writer loop, a request, memload.loadgen.locust_csv.move_to (a new test in
the web UI), another request; the files are then read by the test."""

import sys
from pathlib import Path

import gevent
from locust import HttpUser, task
from locust.env import Environment
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

from memload.loadgen import locust_csv


class _User(HttpUser):
    host = "http://127.0.0.1:9"

    @task
    def nothing(self) -> None:
        pass


def main(first: Path, second: Path) -> None:
    environment = Environment(user_classes=[_User])
    environment.create_local_runner()
    writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, str(first / "locust"), True)
    loop = gevent.spawn(writer.stats_writer)  # Locust's own loop: headers, then rows every second
    gevent.sleep(0.2)
    environment.events.request.fire(
        request_type="GET", name="a", response_time=5, response_length=1, exception=None, context={}
    )
    gevent.sleep(1.2)
    locust_csv.move_to(second)  # a new test: Locust cleared its statistics
    environment.stats.clear_all()
    environment.events.request.fire(
        request_type="GET", name="b", response_time=7, response_length=1, exception=None, context={}
    )
    gevent.sleep(1.2)  # Locust's loop writes on into the moved files
    locust_csv.write_final_rows()
    loop.kill()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
