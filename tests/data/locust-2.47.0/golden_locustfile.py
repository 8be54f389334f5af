"""Locust users for the golden CSVs (see make_goldens.py). Two request names, some failures and
one kind of exception, so every Locust CSV has rows."""
from __future__ import annotations

import random

from locust import FastHttpUser, between, task

RNG = random.Random(20261121)


class GoldenUser(FastHttpUser):
    wait_time = between(0.005, 0.02)

    @task(3)
    def create_memory(self) -> None:
        self.client.post("/create", json={"text": "hello"}, name="create_memory")

    @task(2)
    def search(self) -> None:
        with self.client.get("/search", name="search", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
        if RNG.random() < 0.01:
            raise RuntimeError("golden exception")
