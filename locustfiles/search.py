"""Search workload: queries drawn from the user's own earlier memories (recall that should hit)
and from fresh text (that should not), in the scenario's proportion."""

from __future__ import annotations

from memload.loadgen.users import Operation, Tenant


def search(tenant: Tenant) -> None:
    known_share = tenant.scenario.data.known_query_share
    if tenant.texts and tenant.rng.random() < known_share:
        query = tenant.content.query_from(tenant.rng.choice(tenant.texts))
    else:
        query = tenant.content.fresh_query()
    tenant.adapter.search(tenant.user_id, query)


OPERATIONS: dict[str, Operation] = {"search": search}
