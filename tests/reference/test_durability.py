"""A 201 means the memory survives kill -9 of the server and a restart on the same --db."""
from __future__ import annotations

import signal
import threading

import requests


def write_until_stopped(url: str, user_id: str, acknowledged: dict, stop: threading.Event) -> None:
    """Create memories one by one, noting each one the server acknowledged with a 201."""
    with requests.Session() as session:
        for k in range(10_000):
            if stop.is_set():
                return
            content = f"{user_id} memory {k}"
            try:
                reply = session.post(url + "/v1/memories", json={"user_id": user_id, "content": content}, timeout=5)
            except requests.RequestException:
                return
            if reply.status_code == 201:
                acknowledged[reply.json()["id"]] = (user_id, content)


def test_no_acknowledged_memory_is_lost_after_kill_9(start_target, tmp_path):
    db_path = tmp_path / "durable.db"
    target = start_target("--seed", "1", db_path=db_path)
    acknowledged: dict[str, tuple[str, str]] = {}
    single = target.post("/v1/memories", {"user_id": "alice", "content": "the spare key is under the blue pot"})
    assert single.status_code == 201
    acknowledged[single.json()["id"]] = ("alice", "the spare key is under the blue pot")
    items = [{"user_id": f"user-{i % 3}", "content": f"batch memory {i} about kites"} for i in range(200)]
    batch = target.post("/v1/memories/batch", {"items": items})
    assert batch.status_code == 201
    acknowledged |= {i: (item["user_id"], item["content"]) for i, item in zip(batch.json()["ids"], items)}

    # keep writing from several connections while the process is killed
    stop = threading.Event()
    threads = [threading.Thread(target=write_until_stopped, args=(target.url, f"w{n}", acknowledged, stop))
               for n in range(4)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 400 and all(t.is_alive() for t in threads):
        threading.Event().wait(0.05)
    target.process.send_signal(signal.SIGKILL)
    target.process.wait()
    stop.set()
    for thread in threads:
        thread.join()

    restarted = start_target("--seed", "1", db_path=db_path)
    assert restarted.get("/health").json()["memories"] >= len(acknowledged)
    for memory_id, (user_id, content) in acknowledged.items():
        reply = restarted.get(f"/v1/memories/{memory_id}", params={"user_id": user_id})
        assert reply.status_code == 200, memory_id
        assert reply.json()["content"] == content
    # the restarted index searches what was acknowledged
    results = restarted.post("/v1/search", {"user_id": "alice", "query": "the spare key is under the blue pot"})
    assert results.json()["results"][0]["id"] == single.json()["id"]


def test_clean_stop_and_restart_keeps_everything(start_target, tmp_path):
    db_path = tmp_path / "clean.db"
    target = start_target(db_path=db_path)
    memory_id = target.post("/v1/memories", {"user_id": "bob", "content": "likes jazz", "namespace": "music",
                                             "metadata": {"k": [1, 2]}}).json()["id"]
    assert target.stop() == 0
    restarted = start_target(db_path=db_path)
    body = restarted.get(f"/v1/memories/{memory_id}", params={"user_id": "bob"}).json()
    assert body["namespace"] == "music" and body["metadata"] == {"k": [1, 2]}
    assert restarted.get("/health").json()["users"] == 1
