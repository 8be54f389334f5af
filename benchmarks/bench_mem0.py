"""memload's mem0 adapter against mem0's own OSS server, offline, and the platform double: prints
each operation's requests, failures, rate and p50/p95 (the README's mem0 table comes from it).

    .venv/bin/python benchmarks/bench_mem0.py               # needs `make install-mem0`; ~2 minutes
    .venv/bin/python benchmarks/bench_mem0.py --duration 60s --out /tmp/bench-mem0

Three runs of 4 users (0.1 s between requests, 5 s warm-up), mix create 3 / get 2 / list 1 /
search 2 / delete 1: mem0's server (tests/helpers/mem0_server.py) with `infer = false` and with
`infer = true` (memload's reference service as its LLM and embedder), then the platform double with
`poll = true` (events done 0.5 s after the add). Run it under the shared load lock.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from mem0_doubles import Mem0PlatformServer  # noqa: E402
from mem0_server import ADMIN_KEY, mem0_installed, running_mem0_server  # noqa: E402
from memload_cli import run_memload, start_reference_target  # noqa: E402

MIX = "create_memory = 3\nget_memory = 2\nlist_memories = 1\nsearch = 2\ndelete_memory = 1"
SCOPES = ("create_memory", "create_memory_poll", "create_memory_completed", "get_memory", "list_memories",
          "search", "delete_memory", "total")


def run(work: Path, name: str, table: str, host: str, key: str, duration: str) -> None:
    scenario = work / f"{name}.toml"
    scenario.write_text(f'name = "{name}"\ntarget = "mem0"\nwarmup = "5s"\n[load]\nusers = 4\nspawn_rate = 4\n'
                        f'duration = "{duration}"\n[pacing]\nwait = "constant"\nseconds = 0.1\n[mix]\n{MIX}\n'
                        f"[mem0]\n{table}\n")
    out = work / f"out-{name}"
    result = run_memload("run", str(scenario), "--host", host, "--out", str(out), "--quiet",
                         env={"MEM0_API_KEY": key}, timeout=600)
    run_dir = next(out.iterdir())
    figures = json.loads((run_dir / "report" / "summary.json").read_text())["figures"]
    print(f"== {name}: exit {result.returncode}  ({run_dir})")
    for line in result.stdout.splitlines() + result.stderr.splitlines():
        if line.startswith(("warning: preflight", "MIX", "Error")):
            print("  ", line)
    for scope in SCOPES:
        if f"{scope}.requests" in figures:
            f = {k: figures.get(f"{scope}.{k}", float("nan")) for k in ("requests", "failures", "rps", "p50_ms",
                                                                         "p95_ms")}
            print(f"   {scope:<24} n={f['requests']:>6.0f} failures={f['failures']:>4.0f} rps={f['rps']:7.2f} "
                  f"p50={f['p50_ms']:8.1f} ms p95={f['p95_ms']:8.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not mem0_installed():
        print("the mem0-server extra is not installed: make install-mem0", file=sys.stderr)
        return 2
    work = args.out or Path(tempfile.mkdtemp(prefix="bench-mem0-"))
    work.mkdir(parents=True, exist_ok=True)
    reference, reference_url = start_reference_target(work / "reference.db")
    try:
        with running_mem0_server(work, reference_url) as url:
            run(work, "mem0-oss-infer-false", "infer = false", url, ADMIN_KEY, args.duration)
            run(work, "mem0-oss-infer-true", "infer = true", url, ADMIN_KEY, args.duration)
    finally:
        reference.terminate()
        reference.wait()
    with Mem0PlatformServer(api_key="m0-key", event_delay_s=0.5) as platform:
        run(work, "mem0-platform-double-poll", 'api = "platform"\npoll = true\npoll_interval = "0.2s"',
            platform.url, "m0-key", args.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
