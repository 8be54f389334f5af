"""A memory API shaped unlike the reference service's, for the declarative HTTP adapter
(``target = "http"``, docs/examples/http_service.toml): user-scoped routes, ids under
``data.memory.uuid``, search results under ``hits``, an API key in ``X-Notes-Key``. It refuses what
a wrong template would send (a missing field, ``limit`` not a number, another user's note), so a
scenario that runs against it without failures sent what it describes.

    python notes_v2.py KEY          (serves in the foreground, prints its URL)
"""

from __future__ import annotations

import re
import sys
import uuid

from fakes import JSON_NULL, FakeService

USER = r"/v2/users/(?P<user>[^/]+)"
ROUTES = {
    "notes": re.compile(USER + r"/notes"),
    "bulk": re.compile(USER + r"/notes:bulk"),
    "note": re.compile(USER + r"/notes/(?P<id>[^/]+)"),
    "recall": re.compile(USER + r"/recall"),
    "ask": re.compile(USER + r"/ask"),
}


class NotesV2(FakeService):
    def __init__(self, key: str = "notes-key-0123") -> None:
        super().__init__()
        self.key = key

    def _route(self, path: str) -> tuple[str, re.Match[str]] | None:
        for name, pattern in ROUTES.items():
            if match := pattern.fullmatch(path):
                return name, match
        return None

    def route(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        if path == "/":
            return 200, {"service": "notes-v2"}
        if self.request_headers.get("x-notes-key") != self.key:
            return 401, {"error": {"message": "missing or wrong X-Notes-Key"}}
        found = self._route(path)
        if found is None:
            return 404, {"error": {"message": f"no route {method} {path}"}}
        name, match = found
        user = match["user"]
        if name == "notes" and method == "POST":
            return self._create(user, body)
        if (
            name == "bulk"
            and method == "POST"
            and isinstance(body, dict)
            and isinstance(body.get("notes"), list)
        ):
            created = [self._create(user, note)[1] for note in body["notes"]]
            if any("data" not in c for c in created):
                return 400, {"error": {"message": "every note needs a text"}}
            return 201, {"data": {"created": [c["data"]["memory"] for c in created]}}
        if name == "notes" and method == "GET":
            size = int(query.get("page_size", "10"))
            mine = [n for n in self.memories.values() if n["owner"] == user]
            return 200, {"data": {"items": mine[:size], "total": len(mine)}}
        if name == "recall" and method == "POST":
            if not (
                isinstance(body, dict) and isinstance(body.get("q"), str) and type(body.get("limit")) is int
            ):
                return 400, {"error": {"message": "recall needs q (text) and limit (a number)"}}
            words = set(body["q"].lower().split())
            hits = [
                n
                for n in self.memories.values()
                if n["owner"] == user and words & set(n["body"].lower().split())
            ]
            found = [{"uuid": n["uuid"], "owner": n["owner"], "text": n["body"], "score": 1.0} for n in hits]
            return 200, {"hits": found[: body["limit"]]}
        if name == "ask" and method == "POST" and isinstance(body, dict) and body.get("question"):
            return 200, {"reply": {"text": "You like green tea.", "k": body.get("k")}}
        if name == "note":
            note = self.memories.get(match["id"])
            if note is None or note["owner"] != user:
                return (
                    (404, {"error": {"message": "no such note"}}) if method == "DELETE" else (200, JSON_NULL)
                )
            if method == "DELETE":
                del self.memories[note["uuid"]]
                return 204, None
            return 200, {"data": {"memory": note}}
        return 405, {"error": {"message": f"{method} not allowed on {path}"}}

    def _create(self, user: str, body: object) -> tuple[int, object]:
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            return 400, {"error": {"message": "a note needs a text"}}
        note_id = str(uuid.uuid4())
        self.memories[note_id] = {"uuid": note_id, "owner": user, "body": text}
        return 201, {"data": {"memory": {"uuid": note_id, "created": True}}}


if __name__ == "__main__":
    with NotesV2(sys.argv[1]) as server:
        print(server.url, flush=True)
        server.thread.join()
