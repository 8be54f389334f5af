"""The Dockerfile, docker-compose.yml, the Kubernetes manifests and the CI workflows: their structure,
and every memload command they run is a valid memload command line (parsed by memload's own CLI)."""

from __future__ import annotations

import re

import pytest

from deploy_files import ROOT, compose_defaults, load_yaml, load_yaml_documents, memload_lines, parse_memload
from memload.run.locust_command import DEFAULT_MASTER_PORT


def test_the_checker_refuses_what_memload_would_refuse() -> None:
    parse_memload(["master", "smoke", "--expect-workers", "2"])
    for bad in (
        ["master", "smoke"],
        ["worker"],
        ["run", "no-such-scenario"],
        ["run", "smoke", "--workers", "x"],
        ["nope"],
    ):
        with pytest.raises(Exception):
            parse_memload(bad)


def test_the_dockerfile_has_a_pinned_base_and_runs_memload() -> None:
    text = (ROOT / "Dockerfile").read_text()
    [base] = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base
    assert 'ENTRYPOINT ["memload"]' in text and "USER memload" in text
    for copied in re.findall(r"^COPY (\S+) ", text, flags=re.M):
        if copied != "pyproject.toml":
            assert (ROOT / copied).exists(), copied


def test_compose_runs_a_target_a_master_and_scalable_workers() -> None:
    services = compose_defaults(load_yaml("docker-compose.yml"))["services"]
    assert set(services) == {"target", "master", "worker", "prometheus", "grafana"}
    memload_services = {n: s for n, s in services.items() if "command" in s}
    contexts = {name: parse_memload([str(a) for a in s["command"]]) for name, s in memload_services.items()}
    master, worker = contexts["master"].params, contexts["worker"].params
    assert master["bind"] == "0.0.0.0" and master["out"].as_posix() == "/results"
    assert master["host"] == "http://target:8000" and master["web"]  # the web UI by default
    assert worker["address"] == f"master:{master['master_port']}"
    assert int(services["worker"]["deploy"]["replicas"]) == master["expect_workers"]
    assert "./results:/results" in services["master"]["volumes"]
    for service in services.values():  # published on loopback only
        assert all(str(p).startswith("127.0.0.1:") for p in service.get("ports", []))


def test_the_kubernetes_manifests_run_the_same_commands() -> None:
    documents = load_yaml_documents("deploy/k8s/memload.yaml")
    kinds = {(d["kind"], d["metadata"]["name"]) for d in documents}
    assert {
        ("Job", "memload-master"),
        ("Deployment", "memload-worker"),
        ("Service", "memload-master"),
        ("Deployment", "memload-target"),
        ("Service", "memload-target"),
    } <= kinds
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in documents}

    def args(kind: str, name: str) -> dict:
        [container] = by_name[(kind, name)]["spec"]["template"]["spec"]["containers"]
        return parse_memload(container["args"]).params

    master, worker = args("Job", "memload-master"), args("Deployment", "memload-worker")
    assert worker["address"] == f"memload-master:{master['master_port']}"
    assert by_name[("Deployment", "memload-worker")]["spec"]["replicas"] == master["expect_workers"]
    service_ports = {p["port"] for p in by_name[("Service", "memload-master")]["spec"]["ports"]}
    assert {DEFAULT_MASTER_PORT, DEFAULT_MASTER_PORT + 1} <= service_ports
    assert master["host"] == "http://memload-target:8000"
    args("Deployment", "memload-target")


def _steps(workflow: dict) -> list[dict]:
    [job] = workflow["jobs"].values()
    return job["steps"]


def test_the_ci_workflow_gates_on_the_ci_scenario_and_keeps_the_results() -> None:
    workflow = load_yaml(".github/workflows/loadtest.yml")
    steps = _steps(workflow)
    scripts = "\n".join(s.get("run", "") for s in steps)
    [command] = memload_lines(scripts, {})
    assert parse_memload(command).params["scenario"] == "ci"
    assert "make install" in scripts and "$GITHUB_STEP_SUMMARY" in scripts and "report.md" in scripts
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "results/"
    assert steps[-1]["run"] == "exit ${{ steps.run.outputs.code }}"  # the job fails when memload does


def test_the_long_run_workflow_is_manual_and_runs_a_soak_or_a_capacity_search() -> None:
    workflow = load_yaml(".github/workflows/long-run.yml")
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"workflow_dispatch"}
    scripts = "\n".join(s.get("run", "") for s in _steps(workflow))
    commands = memload_lines(scripts, {"inputs.duration": "2h"})
    parsed = [parse_memload(c) for c in commands]
    assert [c.info_name for c in parsed] == ["run", "capacity"]
    assert parsed[0].params["scenario"] == "soak" and parsed[0].params["duration"] == "2h"


def test_the_monitoring_profile_scrapes_memload_and_shows_its_series() -> None:
    import json

    from memload.loadgen.histograms import IntervalStore
    from memload.loadgen.live.metrics import LiveTotals, exposition, registry_of

    services = compose_defaults(load_yaml("docker-compose.yml"))["services"]
    assert services["prometheus"]["profiles"] == ["monitoring"] == services["grafana"]["profiles"]
    master = parse_memload([str(a) for a in services["master"]["command"]]).params
    scrape = {
        j["job_name"]: j["static_configs"][0]["targets"]
        for j in load_yaml("deploy/prometheus/prometheus.yml")["scrape_configs"]
    }
    assert scrape == {"memload": [f"master:{master['metrics_port']}"], "target": ["target:8000"]}
    # every series the dashboard asks for is one memload (or the reference service) exposes
    store = IntervalStore()
    store.record("search", "response_ms", 5.0, unix_s=100.0)
    store.count("search", "requests", 1, unix_s=100.0)
    totals = LiveTotals(users=lambda: 1)
    totals.add(store)
    exposed = {
        line.split("{")[0].split(" ")[0]
        for line in exposition(registry_of(totals)).decode().splitlines()
        if line and not line.startswith("#")
    }
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/memload-soak.json").read_text())
    asked = {
        m
        for p in dashboard["panels"]
        for t in p["targets"]
        for m in re.findall(r"\b(memload_\w+|process_\w+)", t["expr"])
    }
    assert asked and asked <= exposed, asked - exposed
    assert {"Throughput by operation (req/s)", "p95 response time by operation", "Target memory (RSS)"} <= {
        p["title"] for p in dashboard["panels"]
    }
