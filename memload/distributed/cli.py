"""``memload master`` and ``memload worker``: a run whose Locust workers are processes started by
hand, on this machine or others, that talk to the master only over TCP."""

from __future__ import annotations

import ipaddress
import json
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import click

from memload import names as C
from memload.distributed.handoff import HandoffServer, fetch_handoff
from memload.errors import MemloadError
from memload.host_guard import require_allowed_host
from memload.run import cli as run_cli
from memload.run.locust_command import DEFAULT_MASTER_PORT, Distributed, LocustPlan
from memload.run.processes import child_env, die_with_parent

SETTINGS = {"help_option_names": ["-h", "--help"]}
NOT_FOR_MASTER = ("workers", "force")


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address == "localhost"


def _master(expect_workers: int, bind: str, master_port: int, worker_wait: str, **options: Any) -> None:
    wait_s = run_cli.duration_option("--worker-wait", worker_wait)
    scenario = run_cli.resolved_scenario(options)  # what the workers get: resolved as `memload run` does
    handoff = HandoffServer(
        scenario=scenario.to_dict(), workers=expect_workers, bind=bind, port=master_port + 1
    ).start()
    if not is_loopback(bind):
        web = f", {bind}:{options['web_port']} (the web UI: start and stop load)" if options["web"] else ""
        click.echo(
            f"memload: listening on {bind}:{master_port} (Locust workers) and {bind}:{master_port + 1} "
            f"(the scenario, for workers){web}: anyone who can reach them can join this run",
            err=True,
        )
    click.echo(
        f"memload: waiting up to {wait_s:g} s for {expect_workers} worker(s): memload worker "
        f"--master {bind}:{master_port}"
    )
    options["workers"] = expect_workers
    far = Distributed(bind=bind, master_port=master_port, worker_wait_s=wait_s, on_host=handoff.set_host)
    try:
        run_cli.run_scenario(options, distributed=far)
    finally:
        handoff.stop()


master = click.Command(
    name="master",
    context_settings=SETTINGS,
    callback=_master,
    params=[
        *(p for p in run_cli.run.params if p.name not in NOT_FOR_MASTER),
        click.Option(
            ["--expect-workers"],
            type=click.IntRange(min=1),
            required=True,
            help="Workers to wait for before the load starts (each started with `memload worker`).",
        ),
        click.Option(
            ["--bind"],
            default="127.0.0.1",
            show_default=True,
            help="Address the master listens on for workers (and the web UI); loopback unless you "
            "name another.",
        ),
        click.Option(
            ["--master-port"],
            type=click.IntRange(1, 65534),
            default=DEFAULT_MASTER_PORT,
            show_default=True,
            help="Locust's worker port; workers fetch the scenario from the next one.",
        ),
        click.Option(
            ["--worker-wait"],
            default="60s",
            show_default=True,
            help="How long to wait for --expect-workers to connect before giving up (exit 2).",
        ),
    ],
    help="Run SCENARIO as `memload run` does, with Locust workers started elsewhere by "
    "`memload worker --master ADDRESS[:PORT]` (on this machine or others). The master starts the "
    "load when --expect-workers have connected, writes the one results directory, and records each "
    "worker's host and load (workers.json); a worker that goes missing mid-run is reported.",
)


@click.command(context_settings=SETTINGS)
@click.option("--master", "address", required=True, help="The master's ADDRESS[:PORT] (port default 5557).")
@click.option(
    "--wait", default="60s", show_default=True, help="How long to keep asking the master for its scenario."
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow the master's target to be neither loopback nor this machine (or MEMLOAD_ALLOW_REMOTE=1).",
)
def worker(address: str, wait: str, allow_remote: bool) -> None:
    """A Locust worker for a `memload master`: takes the scenario and the target from the master
    (no copy of the TOML needed), runs in a temporary directory of its own, and exits when the
    master ends the run."""
    host, port = _address(address)
    payload = fetch_handoff(host, port + 1, wait_s=run_cli.duration_option("--wait", wait))
    require_allowed_host(payload["host"], allow_remote=allow_remote)
    with tempfile.TemporaryDirectory(prefix="memload-worker-") as work:
        scenario_file = Path(work) / C.SCENARIO_JSON
        scenario_file.write_text(json.dumps(payload["scenario"]) + "\n")
        plan = LocustPlan(host=payload["host"], run_dir=Path(work), master_host=host, master_port=port)
        env = child_env({C.SCENARIO_FILE_ENV: str(scenario_file), C.WORKERS_ENV: str(payload["workers"])})
        env.pop(C.RUN_DIR_ENV, None)
        click.echo(f"memload: worker of {host}:{port}, load to {payload['host']}")
        code = _run_forwarding_signals(plan.worker_argv(), cwd=work, env=env)
    # Locust's worker exits 1 when its users saw failures: the master's verdict is the run's.
    raise SystemExit(0 if code in (0, 1) else 2)


def _run_forwarding_signals(argv: list[str], *, cwd: str, env: dict[str, str]) -> int:
    child = subprocess.Popen(argv, cwd=cwd, env=env, preexec_fn=die_with_parent)
    forward = {
        s: signal.signal(s, lambda number, _: child.send_signal(number))
        for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        return child.wait()
    finally:
        for number, previous in forward.items():
            signal.signal(number, previous)


def _address(text: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if port and not port.isdigit():
        raise MemloadError(f"--master {text!r}: the port must be a number")
    return host, int(port) if port else DEFAULT_MASTER_PORT
