"""Requests per second and median latency of the API under gunicorn on loopback.

Three measurements in one run, against one gunicorn serving bench/wsgi.py: a bare Django view
that returns a fixed JSON object (no DRF, no authentication, no database), a patient's
today's session, and a therapist's caseload summary of 200 patients. Each is loaded by `wrk`
with a fixed number of connections to 127.0.0.1, after a warm-up, for a fixed time split into
rounds taken in turn with the others; every response must be a 200, checked once from Python
(status and body) and counted by wrk throughout.

The data lives in its own database (bench/data.py): PostgreSQL ``gradus_bench`` when
PostgreSQL answers on 127.0.0.1:5432, else ``var/bench.sqlite3``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.bare import BARE_BODY, BARE_PATH
from bench.data import BENCH_DATABASE_NAME, BENCH_SQLITE_FILE, PATIENTS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_USER = "postgres"

WORKERS = 2
CONNECTIONS = 8
WRK_THREADS = 1
WARMUP_SECONDS = 2
SECONDS = 10  # per target, in ROUNDS rounds
ROUNDS = 5
TARGET_RATIO = 0.5
# A one-minute load average above this means something else is using the cores.
BUSY_LOAD = 1.0
# Seconds gunicorn may take to answer its first request: its workers import the whole app,
# which takes well over half a minute on a machine busy with other work.
START_SECONDS = 120
# Less CPU than this in a quarter of a second (two clock ticks): the server is idle.
IDLE_CPU_SECONDS = 0.02

TODAY_PATH = "/api/v1/me/patients/{patient_id}/today/"
CASELOAD_PATH = f"/api/v1/caseload/?page_size={PATIENTS}"

# Counts every response that is not a 200 (wrk's own count misses redirects) and prints the
# run's figures as one JSON line, from wrk's exact statistics rather than its rounded text.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do not_200 = not_200 + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "median_us": %d, "not_200": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), not_200,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


class BenchError(Exception):
    """The benchmark could not measure what it should; the message says why."""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    median_ms: float
    errors: dict[str, int]
    # CPU time the server spent meanwhile: gunicorn's processes, and PostgreSQL's backends
    # for the bench database. Unlike the rates, hardly changed by other work on the machine.
    app_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def app_cpu_ms(self) -> float:
        return self.app_cpu_seconds * 1000 / self.requests

    @property
    def database_cpu_ms(self) -> float:
        return self.database_cpu_seconds * 1000 / self.requests


def parse_wrk(output: str) -> Load:
    """The figures from the JSON line WRK_SCRIPT prints; wrk's errors as counts."""
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            figures: dict[str, int] = json.loads(line)
            break
    else:
        raise BenchError(f"wrk printed no figures:\n{output}")
    errors = {
        name: figures[name]
        for name in ("not_200", "connect", "read", "write", "timeout", "status")
        if figures[name]
    }
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        median_ms=figures["median_us"] / 1000,
        errors=errors,
    )


@dataclass(frozen=True)
class Database:
    url: str
    label: str
    postgres: bool


def postgres_database(name: str) -> Database | None:
    """PostgreSQL's database ``name`` on loopback, created if missing; None when PostgreSQL
    does not answer."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(
            host=HOST,
            port=POSTGRES_PORT,
            user=POSTGRES_USER,
            dbname="postgres",
            connect_timeout=2,
            autocommit=True,
        ) as connection:
            version = connection.info.server_version
            if not connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone():
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except (OSError, psycopg.Error):
        return None
    major, minor = divmod(version, 10000)
    url = f"postgres://{POSTGRES_USER}@{HOST}:{POSTGRES_PORT}/{name}"
    label = f"PostgreSQL {major}.{minor}, database {name} on {HOST}"
    return Database(url, label, postgres=True)


def choose_database() -> Database:
    """PostgreSQL's ``gradus_bench`` (created if missing) when PostgreSQL answers, else a
    SQLite file under var/."""
    database = postgres_database(BENCH_DATABASE_NAME)
    if database is None:
        path = VAR_DIR / BENCH_SQLITE_FILE
        return Database(f"sqlite:///{path}", f"SQLite, var/{BENCH_SQLITE_FILE}", postgres=False)
    return database


def server_environment(database: Database) -> dict[str, str]:
    """Production settings, DEBUG off, as behind a proxy that terminates TLS on loopback."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="production",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        # The proxy in front says the request came over HTTPS (wrk sends the header), so the
        # HTTPS redirect and HSTS stay on as in production.
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database.url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def _run(command: list[str], env: Mapping[str, str], what: str) -> str:
    done = subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    if done.returncode != 0:
        raise BenchError(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to check, not to follow


_opener = urllib.request.build_opener(_NoRedirect)


def get(url: str, headers: Mapping[str, str], timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={**PROXY_HEADERS, **headers})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:port
    pid: int  # the master's, which is also its process group's


@contextmanager
def gunicorn(env: Mapping[str, str], log: Path) -> Iterator[Server]:
    """Serve bench/wsgi.py on a free loopback port until the block ends, however it ends."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "bench.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(WORKERS),
        "--error-logfile", str(log), "--log-level", "warning",
    ]  # fmt: skip
    with in_own_group(command, env, log) as server:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if server.poll() is not None:
                raise BenchError(f"gunicorn exited ({server.returncode}):\n{_tail(log)}")
            try:
                if get(base + BARE_PATH, {}, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer within {START_SECONDS} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield Server(base, server.pid)


@contextmanager
def in_own_group(
    command: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` run from the project's folder in a process group of its own, its output in
    ``log``, until the block ends, however it ends (then ``_stop``)."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        _stop(process)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM the master (it stops its workers), then SIGKILL its process group."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            server.wait(timeout=15)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)  # leftover workers, if any
    server.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wrk(url: str, headers: Mapping[str, str], seconds: int, script: Path) -> Load:
    command = [
        "wrk", "--threads", str(WRK_THREADS), "--connections", str(CONNECTIONS),
        "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(script),
    ]  # fmt: skip
    for name, value in {**PROXY_HEADERS, **headers}.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    headers: dict[str, str]
    check: Callable[[Any], str | None]  # the problem with a 200's JSON body, or None
    target: float | None = None  # the least share of the bare view's rate it should reach


def verify(base: str, target: Target) -> None:
    """One request from Python: a 200 with the expected body, or the benchmark stops (a 401
    from a wrong token, say, would otherwise make fast and meaningless figures)."""
    status, body = get(base + target.path, target.headers)
    if status != 200:
        raise BenchError(
            f"{target.label}: GET {target.path} answered {status}, not 200: {body[:300]!r}"
        )
    problem = target.check(json.loads(body))
    if problem:
        raise BenchError(f"{target.label}: GET {target.path}: {problem}")


CpuTimes = dict[int, float]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_group(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[2]) == pgid:
                members.append(int(entry.name))
    return members


class CpuMeter:
    """The CPU time of gunicorn's processes and of PostgreSQL's backends for the bench
    database (PostgreSQL runs on this machine: the bench talks to it on loopback)."""

    def __init__(self, server: Server, database: Database) -> None:
        self.server = server
        self.connection: Any = None
        if database.postgres:
            import psycopg

            self.connection = psycopg.connect(database.url, autocommit=True)

    def __enter__(self) -> CpuMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()

    def snapshot(self) -> tuple[CpuTimes, CpuTimes]:
        app = {pid: cpu_seconds(pid) for pid in process_group(self.server.pid)}
        database: CpuTimes = {}
        if self.connection is not None:
            rows = self.connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
            database = {pid: cpu_seconds(pid) for (pid,) in rows}
        return app, database

    @staticmethod
    def spent(before: CpuTimes, after: CpuTimes) -> float:
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())

    def wait_idle(self, timeout: float = 60) -> None:
        """Wait for the requests wrk left in flight: a sync worker finishes a request whose
        client has gone, and that work must not count in the next measurement."""
        deadline = time.monotonic() + timeout
        last = sum(self.snapshot()[0].values())
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = sum(self.snapshot()[0].values())
            if now - last < IDLE_CPU_SECONDS:
                return
            last = now
        raise BenchError(f"gunicorn was still busy {timeout:.0f} s after wrk stopped")


def load_test(server: Server, targets: list[Target], script: Path, meter: CpuMeter) -> list[Load]:
    """Warm each target up, then load them in turn, round after round, so that whatever else
    the machine does during the run weighs on each of them alike."""
    for target in targets:
        wrk(server.base + target.path, target.headers, WARMUP_SECONDS, script)
        meter.wait_idle()
    rounds: list[list[Load]] = [[] for _ in targets]
    for _ in range(ROUNDS):
        for target, loads in zip(targets, rounds, strict=True):
            app, database = meter.snapshot()
            load = wrk(server.base + target.path, target.headers, SECONDS // ROUNDS, script)
            app_after, database_after = meter.snapshot()
            meter.wait_idle()
            if load.errors or load.requests == 0:
                raise BenchError(
                    f"{target.label}: {load.requests} requests with errors {load.errors}: "
                    "figures from failed requests would mean nothing"
                )
            loads.append(
                replace(
                    load,
                    app_cpu_seconds=meter.spent(app, app_after),
                    database_cpu_seconds=meter.spent(database, database_after),
                )
            )
    return [combine(loads) for loads in rounds]


def combine(loads: list[Load]) -> Load:
    """All rounds' requests over all rounds' time; the median of the rounds' medians."""
    return Load(
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        median_ms=statistics.median(load.median_ms for load in loads),
        errors={},
        app_cpu_seconds=sum(load.app_cpu_seconds for load in loads),
        database_cpu_seconds=sum(load.database_cpu_seconds for load in loads),
    )


def _figure(load: Load) -> str:
    return f"{load.per_second:,.0f} req/s, median {load.median_ms:.1f} ms"


def _cpu(load: Load, database: Database) -> str:
    if not database.postgres:  # SQLite works inside the app's processes
        return f"CPU per request {load.app_cpu_ms:.2f} ms (app and SQLite)"
    return f"CPU per request {load.app_cpu_ms:.2f} ms app + {load.database_cpu_ms:.2f} ms database"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def check_bare(body: Any) -> str | None:
    return None if body == BARE_BODY else f"unexpected body {body!r}"


def check_today(today: str) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        if not isinstance(body, dict) or today not in json.dumps(body):
            return f"expected today's session ({today}), got {json.dumps(body)[:300]}"
        return None

    return check


def check_caseload(body: Any) -> str | None:
    rows = body.get("results") if isinstance(body, dict) else body
    if not isinstance(rows, list) or len(rows) != PATIENTS:
        return f"expected {PATIENTS} rows on one page, got {json.dumps(body)[:300]}"
    return None


def run() -> list[str]:
    if shutil.which("wrk") is None:
        raise BenchError(
            "wrk is not installed: `apt-get install wrk` (make bench installs it as root)"
        )
    load_before = os.getloadavg()[0]
    database = choose_database()
    env = server_environment(database)
    _run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env, "migrate")
    data: dict[str, Any] = json.loads(
        _run([sys.executable, "-m", "bench.data"], env, "bench data").strip().splitlines()[-1]
    )
    setup = "built" if data["built"] else "reused"
    lines = [
        f"machine: {_cpu_model()}, {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"load average {load_before:.1f} before the run"
        + (" (a busy machine: the figures are noisy)" if load_before > BUSY_LOAD else ""),
        f"database: {database.label}; {data['patients']} patients, data {setup} "
        f"in {data['seconds']:.1f} s",
        f"server: gunicorn, {WORKERS} sync workers on {HOST}, production settings, DEBUG off; "
        f"load: wrk, {CONNECTIONS} connections, {SECONDS} s per URL in {ROUNDS} rounds taken in "
        f"turn, after {WARMUP_SECONDS} s of warm-up; median latency: the rounds' median",
    ]
    patient = {"Authorization": f"Token {data['patient_token']}"}
    therapist = {"Authorization": f"Token {data['therapist_token']}"}
    targets = [
        Target("bare view", BARE_PATH, {}, check_bare),
        Target(
            "today's session",
            TODAY_PATH.format(patient_id=data["patient_id"]),
            patient,
            check_today(data["today"]),
            target=TARGET_RATIO,
        ),
        Target(f"caseload ({PATIENTS} patients)", CASELOAD_PATH, therapist, check_caseload),
    ]
    VAR_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "count.lua"
        script.write_text(WRK_SCRIPT)
        with gunicorn(env, VAR_DIR / "bench-gunicorn.log") as server:
            for target in targets:
                verify(server.base, target)
            with CpuMeter(server, database) as meter:
                loads = load_test(server, targets, script, meter)
    bare = loads[0]
    lines.append(f"{targets[0].label}: {_figure(bare)}; {_cpu(bare, database)}")
    for target, load in zip(targets[1:], loads[1:], strict=True):
        ratio = load.per_second / bare.per_second
        verdict = ""
        if target.target is not None:
            met = "met" if ratio >= target.target else "MISSED"
            verdict = f"; target >= {target.target:.0%}: {met}"
        share = f"{ratio:.0%}" if ratio >= 0.1 else f"{ratio:.1%}"
        lines.append(
            f"{target.label}: {_figure(load)} ({share} of bare{verdict}); {_cpu(load, database)}"
        )
    return lines
