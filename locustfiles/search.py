"""Search workload: queries drawn from the user's own earlier memories (recall that should hit)
and from fresh text (that should not), in the scenario's proportion."""
from __future__ import annotations

from memload.loadgen import MemloadUser


def search(user: MemloadUser) -> None:
    known_share = user.scenario.data.known_query_share
    if user.texts and user.rng.random() < known_share:
        query = user.content.query_from(user.rng.choice(user.texts))
    else:
        query = user.content.fresh_query()
    user.adapter.search(user.user_id, query)


OPERATIONS = {"search": search}
