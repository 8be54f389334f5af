"""Why a run went as it did: stalls (throughput near zero while users are active) and, when a
threshold fails, what was saturated during the steady window (the target's CPU, the load
generator's, one class of errors, the host)."""
