"""Bare Locust: the same request memload's search operation makes, without memload (no content
generation, no adapter, no mix). The baseline of bench_harness.py."""
from locust import FastHttpUser, constant, task


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def search(self) -> None:
        self.client.post("/v1/search", json={"user_id": "u", "query": "where do I live", "top_k": 10}, name="search")
