"""Every file name, column name and JSON key that analysis reads: the one place that knows the
layout of a results directory (results/README.md) and of Locust 2.47's CSV files.

Locust's CSVs (locust/stats.py, StatsCSV and StatsCSVFileWriter):
- ``locust_stats.csv``: one row per (Type, Name) plus ``Aggregated``, whole-run figures; rewritten
  every second, so an interrupted run keeps the last second's view.
- ``locust_stats_history.csv`` (``--csv-full-history``): every second, one row per (Type, Name) and
  one ``Aggregated`` row, stamped ``int(time.time())``. ``Total *`` columns are cumulative since
  the start; the percentile columns (``50%`` ... ``100%``) cover Locust's sliding window of about
  the last 10 s (``get_current_response_time_percentile``), and are 0 while that window has no
  snapshot yet (the first ~2 s of an entry). ``Requests/s`` is a ~10 s moving average.
- Empty cells read ``N/A``; the ``Aggregated`` row has an empty Type.
"""

from __future__ import annotations

import re

# -- file names -------------------------------------------------------------------------------
RUN_JSON = "run.json"
LOCUST_CSV_PREFIX = "locust"  # Locust --csv prefix: locust_stats.csv, locust_stats_history.csv, ...
SCENARIO_JSON = "scenario.json"  # the resolved scenario every Locust process loads
SCENARIO_FILE_ENV = "MEMLOAD_SCENARIO_FILE"  # its path, for Locust's processes (a file: no size limit)
LOCUST_LOG = "locust.log"
WEB_TESTS_JSON = (
    "web_tests.json"  # a --web run's first directory: [{dir, started_unix, stopped_unix, written}]
)
WT_DIR, WT_STARTED, WT_STOPPED, WT_WRITTEN = "dir", "started_unix", "stopped_unix", "written"
ABORT_JSON = "abort.json"  # an abort_on_fail threshold stopped the run: which, when, its value
WORKERS_JSON = "workers.json"  # a master's workers: host, when each connected, the load each sent, missing
RUN_DIR_ENV = "MEMLOAD_RUN_DIR"  # the results directory, for the process that writes memload's CSVs
WORKERS_ENV = "MEMLOAD_WORKERS"  # how many worker processes share an open-model schedule
METRICS_PORT_ENV = "MEMLOAD_METRICS_PORT"  # the live Prometheus endpoint's port (memload run --metrics-port)
WEB_ENV = "MEMLOAD_WEB"  # "1": Locust runs its web UI; each test started there gets a results directory
METRICS_ADDRESS_ENV = "MEMLOAD_METRICS_ADDRESS"  # and its address (loopback, or memload master --bind)
TARGET_LOG = "target.log"  # the reference target memload started
TARGET_SCRATCH_DIR = "target-scratch"  # its database while it runs; removed when it stops
STATS_CSV = "locust_stats.csv"
HISTORY_CSV = "locust_stats_history.csv"
FAILURES_CSV = "locust_failures.csv"
EXCEPTIONS_CSV = "locust_exceptions.csv"
FAILURE_EXAMPLES_CSV = "failure_examples.csv"  # memload: the first full message of each normalised failure
RESOURCES_CSV = "resources.csv"
TARGET_METRICS_CSV = "target_metrics.csv"
HOST_CSV = "host.csv"  # the machine's load, sampled with resources.csv
REPORT_DIR = "report"
CAPACITY_SEARCH_JSON = "capacity_search.json"  # `memload capacity`: every probe and the answer
PROBES_DIR = "probes"  # `memload capacity`: one complete run directory per probe
REPORT_HTML = "report.html"
REPORT_MD = "report.md"
SUMMARY_JSON = "summary.json"
JUNIT_XML = "junit.xml"
PLOTS_DIR = "plots"
# `memload compare` (issue 15): a baseline run against candidates, and named baselines
COMPARE_DIR = "compare"  # default output folder, inside the (first) candidate run
COMPARE_HTML = "compare.html"
COMPARE_MD = "compare.md"
COMPARE_JSON = "compare.json"
BASELINES_DIR = "baselines"  # results/baselines/NAME: a copy of a run directory
BASELINE_JSON = "baseline.json"  # in a saved baseline: its name, source and when it was saved
HISTORY_DIR = "history"  # `memload history`: results/history/
HISTORY_MD = "history.md"
HISTORY_PNG = "history.png"

NA_VALUES = ["N/A", ""]

# -- Locust: shared by locust_stats.csv and locust_stats_history.csv --------------------------
TYPE = "Type"
NAME = "Name"
AGGREGATED = "Aggregated"  # Name of the totals row
PERCENTILE_COLUMN = re.compile(r"^(\d+(?:\.\d+)?)%$")  # "50%", "99.9%", "100%"

# -- locust_stats.csv --------------------------------------------------------------------------
STATS_REQUESTS = "Request Count"
STATS_FAILURES = "Failure Count"
STATS_AVG_MS = "Average Response Time"
STATS_MIN_MS = "Min Response Time"  # not read: written by analysis.synthetic
STATS_MAX_MS = "Max Response Time"
STATS_RPS = "Requests/s"

# -- locust_stats_history.csv ------------------------------------------------------------------
HIST_TIMESTAMP = "Timestamp"
HIST_USERS = "User Count"
HIST_REQUESTS = "Total Request Count"  # cumulative
HIST_FAILURES = "Total Failure Count"  # cumulative
HIST_AVG_MS = "Total Average Response Time"  # cumulative mean
HIST_MIN_MS = "Total Min Response Time"  # cumulative; not read: written by analysis.synthetic
HIST_MAX_MS = "Total Max Response Time"  # cumulative

# -- locust_failures.csv -----------------------------------------------------------------------
FAIL_METHOD = "Method"
FAIL_NAME = "Name"
FAIL_ERROR = "Error"
FAIL_OCCURRENCES = "Occurrences"

# -- failure_examples.csv (memload.loadgen.failures) ------------------------------------------
# Locust's failures table holds failure messages normalised (ids, times, numbers replaced); this file
# holds the first full message of each: Name and Error as in locust_failures.csv, and the Example.
FX_NAME = "Name"
FX_ERROR = "Error"
FX_EXAMPLE = "Example"
FAILURE_EXAMPLES_COLUMNS = (FX_NAME, FX_ERROR, FX_EXAMPLE)

# -- locust_exceptions.csv ---------------------------------------------------------------------
EXC_COUNT = "Count"
EXC_MESSAGE = "Message"
EXC_TRACEBACK = "Traceback"
EXC_NODES = "Nodes"

# -- resources.csv (memload's monitor) ---------------------------------------------------------
RES_TIMESTAMP = "timestamp"
RES_ROLE = "role"
RES_PID = "pid"
RES_CPU_PCT = "cpu_pct"  # percent of one core
RES_RSS_MB = "rss_mb"
RES_THREADS = "threads"
RES_NUM_FDS = "num_fds"
RESOURCE_COLUMNS = (RES_TIMESTAMP, RES_ROLE, RES_PID, RES_CPU_PCT, RES_RSS_MB, RES_THREADS, RES_NUM_FDS)
ROLE_TARGET = "target"
ROLE_LOADGEN_PREFIX = "locust"  # "locust", "locust-master", "locust-worker-1", ...

# -- host.csv (memload's monitor: the machine as a whole, once a second) ------------------------
HOST_TIMESTAMP = "timestamp"
HOST_CPU_PCT = "cpu_pct"  # percent of the whole machine (every core): 100 = all cores busy
HOST_LOAD1 = "load1"  # 1-minute load average
HOST_MEM_PCT = "mem_used_pct"  # percent of the machine's memory in use
HOST_CORES = "cores"  # logical cores
HOST_COLUMNS = (HOST_TIMESTAMP, HOST_CPU_PCT, HOST_LOAD1, HOST_MEM_PCT, HOST_CORES)

# -- target_metrics.csv (raw Prometheus samples) -----------------------------------------------
TM_TIMESTAMP = "timestamp"
TM_METRIC = "metric"
TM_LABELS = "labels"
TM_VALUE = "value"
TARGET_METRICS_COLUMNS = (TM_TIMESTAMP, TM_METRIC, TM_LABELS, TM_VALUE)
METRIC_CACHE_HITS = "memload_cache_hits_total"
METRIC_CACHE_MISSES = "memload_cache_misses_total"
# the standard process series of a Prometheus client: the target's figures when memload samples no
# process of it (a service memload did not start and [monitor] names no pid)
METRIC_PROCESS_RSS = "process_resident_memory_bytes"
METRIC_PROCESS_CPU = "process_cpu_seconds_total"
METRIC_PROCESS_FDS = "process_open_fds"
SCENARIO_MONITOR = "monitor"  # the scenario's [monitor] table in run.json's scenario
TARGET_METRICS_WANTED: frozenset[str] = frozenset(
    {METRIC_CACHE_HITS, METRIC_CACHE_MISSES, METRIC_PROCESS_RSS, METRIC_PROCESS_CPU, METRIC_PROCESS_FDS}
)

# -- hdr_histograms.csv and interval_counts.csv (memload's recorder, memload.loadgen.histograms) ------
# Written by memload.loadgen.histograms (the recorder), read by memload.analysis.read.intervals.
INTERVAL_S = 10  # every interval starts at a multiple of this many unix seconds
LATENCY_METRICS = (
    "response_ms",
    "queue_ms",
    "ttft_ms",
    "ttfot_ms",  # to the first content token (ttft_ms: to the first token of any kind)
    "itl_ms",
    "tpot_ms",
    "e2e_ms",
    "retry_wait_ms",  # a 429's Retry-After, waited by the user that got it
)
UNITS = {**{m: "us" for m in LATENCY_METRICS}, "output_tokens_per_s": "milli_tokens_per_s"}
COUNTERS = (
    "requests",
    "failures",
    "output_tokens",
    "goodput",
    "dropped",
    "llm_requests",
    "tokens_from_usage",
    # added with issue 14; a file written before them reads them as 0 (OPTIONAL_COUNTERS)
    "reasoning_tokens",
    "embed_docs",  # texts embedded
    "rate_limited",  # 429 answers
)
OPTIONAL_COUNTERS = ("reasoning_tokens", "embed_docs", "rate_limited")
HISTOGRAM_FILE = "hdr_histograms.csv"
HISTOGRAM_COLUMNS = ("interval_start", "scope", "metric", "unit", "count", "histogram")
COUNTS_FILE = "interval_counts.csv"
COUNTS_COLUMNS = ("interval_start", "scope", *COUNTERS)

UNITS_OF_METRIC: dict[str, str] = dict(UNITS)  # histogram metric -> unit of its recorded integers

HDR_CSV = HISTOGRAM_FILE
COUNTS_CSV = COUNTS_FILE
HDR_INTERVAL = "interval_start"  # unix seconds, a multiple of INTERVAL_S
HDR_SCOPE = "scope"  # the operation
HDR_METRIC = "metric"  # one of LATENCY_METRICS, or output_tokens_per_s
HDR_UNIT = "unit"  # us, milli_tokens_per_s
HDR_COUNT = "count"
HDR_HISTOGRAM = "histogram"  # HdrHistogram's base64 encoding
IC_INTERVAL = "interval_start"
IC_SCOPE = "scope"
IC_REQUESTS = "requests"
IC_FAILURES = "failures"
IC_OUTPUT_TOKENS = "output_tokens"
IC_GOODPUT = "goodput"
IC_DROPPED = "dropped"
IC_LLM_REQUESTS = "llm_requests"
IC_TOKENS_FROM_USAGE = "tokens_from_usage"
IC_REASONING_TOKENS = "reasoning_tokens"
IC_EMBED_DOCS = "embed_docs"
IC_RATE_LIMITED = "rate_limited"
IC_COUNTERS: tuple[str, ...] = (
    IC_REQUESTS,
    IC_FAILURES,
    IC_OUTPUT_TOKENS,
    IC_GOODPUT,
    IC_DROPPED,
    IC_LLM_REQUESTS,
    IC_TOKENS_FROM_USAGE,
    IC_REASONING_TOKENS,
    IC_EMBED_DOCS,
    IC_RATE_LIMITED,
)
METRIC_RESPONSE = "response_ms"
METRIC_QUEUE = "queue_ms"
METRIC_TOKENS_PER_S = "output_tokens_per_s"
METRIC_RETRY_WAIT = "retry_wait_ms"
# LLM figures broken down (per model, by the server's X-Cache) are recorded under a scope of their
# own, "<operation>|model=<name>" or "<operation>|cache=hit": never part of an operation's or the
# total's request figures.
BREAKDOWN_SEPARATOR = "|"


def breakdown_scope(operation: str, kind: str, value: str) -> str:
    return f"{operation}{BREAKDOWN_SEPARATOR}{kind}={value}"


def is_breakdown(scope: str) -> bool:
    return BREAKDOWN_SEPARATOR in scope


assert (HDR_INTERVAL, HDR_SCOPE, HDR_METRIC, HDR_UNIT, HDR_COUNT, HDR_HISTOGRAM) == HISTOGRAM_COLUMNS
assert (IC_INTERVAL, IC_SCOPE, *IC_COUNTERS) == COUNTS_COLUMNS and IC_COUNTERS == COUNTERS

# -- run.json keys -----------------------------------------------------------------------------
RUN_SCHEMA_VERSION = "schema_version"
RUN_SCENARIO_NAME = "scenario_name"
RUN_THRESHOLDS = "thresholds"
RUN_WARMUP_S = "warmup_s"
RUN_START_UNIX = "start_unix"
RUN_END_UNIX = "end_unix"
RUN_STARTED_AT = "started_at"
RUN_ENDED_AT = "ended_at"
RUN_EXIT_STATUS = "exit_status"
RUN_HOST = "host"
RUN_TARGET = "target"
RUN_WORKERS = "workers"
RUN_VERSIONS = "versions"
RUN_GIT_COMMIT = "git_commit"
RUN_ARGUMENTS = "arguments"
RUN_MACHINE = "machine"
RUN_SCENARIO_PATH = "scenario_path"
RUN_SCENARIO = "scenario"  # the resolved scenario, secrets redacted
RUN_TARGET_STARTED = "target_started"
RUN_LOST_WORKERS = "lost_workers"  # workers that exited mid-run: role, pid, exit, at_unix, after_s
RUN_ABORTED = "aborted"  # abort.json's record when an abort_on_fail threshold stopped the run
RUN_WORKER_HOSTS = "worker_hosts"  # a distributed run's workers (workers.json): id, host, requests, …
# workers.json: one entry per worker the master saw
WK_ID, WK_HOST, WK_CONNECTED_UNIX = "id", "host", "connected_unix"  # id: Locust's <hostname>_<uuid>
WK_LATE = "late"  # connected after the test had started
WK_REQUESTS, WK_FAILURES, WK_LAST_REPORT_UNIX = "requests", "failures", "last_report_unix"
WK_GONE_UNIX = "gone_unix"  # left while the test ran: quit, or no heartbeat for 3 s (None: never)
# shown in the report's metadata table, in this order
# fmt: off
RUN_METADATA_KEYS: tuple[str, ...] = (
    RUN_SCENARIO_NAME, RUN_EXIT_STATUS, RUN_STARTED_AT, RUN_ENDED_AT, RUN_WARMUP_S, RUN_HOST, RUN_TARGET,
    RUN_WORKERS, RUN_ARGUMENTS, RUN_VERSIONS, RUN_GIT_COMMIT, RUN_MACHINE,
)
# fmt: on


def percentile_columns(header: list[str] | tuple[str, ...]) -> dict[str, float]:
    """The percentile columns of a Locust CSV header, as {"99.9%": 99.9}, in header order."""
    found: dict[str, float] = {}
    for column in header:
        match = PERCENTILE_COLUMN.match(column)
        if match:
            found[column] = float(match.group(1))
    return found


# -- correctness checks (issue 20): written by memload.checks (the master or a lone process, and the
# audit after the load), read by memload.analysis.checks; counter names in memload.checks.spec
CHECKS_COUNTS_CSV = "checks_counts.csv"  # per (interval, counter): its count in the interval
CK_INTERVAL, CK_NAME, CK_VALUE = "interval_start", "name", "value"
CHECKS_COUNTS_COLUMNS = (CK_INTERVAL, CK_NAME, CK_VALUE)
CHECKS_HDR_CSV = "checks_histograms.csv"  # lag distributions per interval (HdrHistogram, µs)
CKH_METRIC, CKH_COUNT, CKH_HISTOGRAM = "metric", "count", "histogram"
CHECKS_HDR_COLUMNS = (CK_INTERVAL, CKH_METRIC, CKH_COUNT, CKH_HISTOGRAM)
CHECKS_VIOLATIONS_JSONL = "checks_violations.jsonl"  # the first isolation violations: request, answer
CHECKS_WRITES_CSV = "checks_writes.csv"  # every acknowledged create and delete, for the audit
CKW_KIND, CKW_USER, CKW_ID, CKW_UNIX = "kind", "user_id", "memory_id", "unix_s"  # kind: create | delete
CHECKS_WRITES_COLUMNS = (CKW_KIND, CKW_USER, CKW_ID, CKW_UNIX)
CHECKS_AUDIT_JSON = "checks_audit.json"  # the audit: counts, duration, lost and resurrected ids
AUDIT_NOT_RUN = "not_run"  # checks_audit.json of a load that did not complete: why there was no audit
