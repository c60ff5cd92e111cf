"""Stack speed as ratios to a bare ``rasa init`` bot started by the same run (``make bench``).

One run, same venv, same machine, loopback only, bounded request loops; all bots run at
once and are measured in interleaved rounds (medians of three), so a burst of load from
other processes falls on all of them alike:

1. the bare bot: ``rasa init --no-prompt`` in ``.kefu/bench/bare-bot`` (trained once;
   its model is reused by later runs), started with ``rasa run``;
2. kefu as ``kefu up`` runs it (SQLite, one Rasa process) through the patched launcher;
3. kefu scaled out (:mod:`kefu.scale`): two replicas on PostgreSQL + Redis behind nginx,
   measured through one replica alone and through nginx over both;
4. then kefu once more under cProfile (``--no-profile`` skips it): where one turn's time goes;
5. a Rasa restart of kefu (SQLite) under 10 conversations (``--restart-only`` runs it alone): a
   new Rasa process warmed on the socket `kefu up` owns, then the old one drained
   (:meth:`kefu.stack.Stack.replace_warm`); refused connections, errors and lost messages counted.

For each: start-up time (spawn to first answer) and memory (RSS of the Rasa process);
p50/p95/p99 latency and throughput at 1, 10 and 50 concurrent conversations; one
conversation's latency from turn 1 to turn 300 with default settings, and how many events
the tracker store loads for its turns (deterministic, unlike the times). Prints Markdown tables. Not a test:
the figures depend on the machine and its load (other developers share it), so only
ratios within one run are reported as results.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from kefu import httpclient
from kefu.settings import Settings
from kefu.scale import free_port
from kefu.stack import Stack
from kefu.shop.store import load_shop
from kefu.scale import ScaleStack
from kefu_rasa import patches
from kefu.stack import model_file

# Conversations x turns per concurrency level: bounded, ~100-250 requests each.
LEVELS: Sequence[Tuple[int, int]] = ((1, 30), (10, 10), (50, 4))
ROUNDS = 3
CURVE_TURNS = 300
# The turns whose tracker-store load is reported (events Rasa reads for that turn).
LOAD_TURNS = (2, 10, 100, 200, 300)
REQUEST_TIMEOUT_S = 120.0
BARE_MESSAGES = ("hello", "I am very sad", "yes", "I am great", "are you a bot?", "bye")
# Stable first-line questions that never hand over (a handoff pauses the bot).
KEFU_MESSAGES = ("你好", "卫衣黑色L码有货吗", "发新疆几天能到", "谢谢")
KEFU_METADATA = {"platform": "pinduoduo", "product_id": "p1002"}


@dataclass
class LoadResult:
    conversations: int
    latencies_ms: List[float]
    wall_s: float
    errors: int

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s else 0.0


@dataclass
class Subject:
    """One bot under test: where it answers and what buyers say to it."""

    name: str
    url: str
    messages: Sequence[str]
    metadata: Dict[str, str] = field(default_factory=dict)
    startup_s: float = float("nan")
    rss_mib: float = float("nan")
    loads: Dict[int, LoadResult] = field(default_factory=dict)
    curve_ms: List[float] = field(default_factory=list)
    # kefu's SQLite tracker store, and events it loaded for turn n of the long conversation
    tracker_db: Optional[Path] = None
    events_loaded: Dict[int, int] = field(default_factory=dict)
    events_stored: int = 0
    # process name -> pid, and CPU ms per turn of each during the 10-conversation load
    pids: Dict[str, int] = field(default_factory=dict)
    cpu_ms_per_turn: Dict[str, float] = field(default_factory=dict)
    stack: Any = None  # kefu's Stack, for the restart measurement


@dataclass
class RestartResult:
    """A Rasa replacement under traffic: what the buyers and the shop would have noticed."""

    sent: int = 0
    answered: int = 0
    refused: int = 0        # connection refused or reset: the buyer's client gives up
    errors: int = 0         # an HTTP error or an answer without text
    lost: int = 0           # a message missing from its conversation's tracker (or there twice)
    during: int = 0         # messages sent while the new process was loading
    restart_s: float = 0.0  # from spawning the new process to the old one gone
    old_pid: int = 0
    new_pid: int = 0


# -- load generation -------------------------------------------------------------------------------

def _conversation(subject: Subject, sender: str, turns: int, latencies: List[float], errors: List[str]) -> None:
    """One buyer's turns, one after the other, on its own keep-alive connection."""
    http = httpclient.session()
    for turn in range(turns):
        text = subject.messages[turn % len(subject.messages)]
        payload = {"sender": sender, "message": text, "metadata": subject.metadata}
        started = time.perf_counter()
        try:
            response = httpclient.request("POST", f"{subject.url}/webhooks/rest/webhook", json=payload,
                                          timeout=REQUEST_TIMEOUT_S, http=http)
            body = response.json() if response.content else None
            if response.status_code != 200 or not any(m.get("text") for m in body or []):
                errors.append(f"HTTP {response.status_code}: {str(body)[:120]}")
        except (httpclient.HttpError, ValueError) as exc:
            errors.append(repr(exc))
        latencies.append((time.perf_counter() - started) * 1000)


def _load(subject: Subject, conversations: int, turns: int, tag: str) -> LoadResult:
    """``conversations`` buyers at once, one thread each (a blocking client, real concurrency)."""
    latencies: List[float] = []
    errors: List[str] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        for future in [pool.submit(_conversation, subject, f"bench-{tag}-{conversations}-{i}", turns, latencies, errors)
                       for i in range(conversations)]:
            future.result()
    wall = time.perf_counter() - started
    if errors:
        print(f"  {subject.name}: {len(errors)} errors at {conversations} conversations, e.g. {errors[0]}",
              file=sys.stderr)
    return LoadResult(conversations, latencies, wall, len(errors))


def warm_up(subject: Subject) -> None:
    """First turns build lazily made parts (jieba, TensorFlow graphs) in every bot."""
    _load(subject, 2, 3, "warm")


def measure_interleaved(subjects: Sequence[Subject], levels: Sequence[Tuple[int, int]], rounds: int) -> None:
    """Each level ``rounds`` times, the bots taking turns (bare, kefu, ..., bare, kefu, ...),
    so load from other processes on the machine falls on all of them alike. Latencies are
    pooled over the rounds; throughput is the median round's."""
    for conversations, turns in levels:
        runs: Dict[str, List[LoadResult]] = {s.name: [] for s in subjects}
        cpu: Dict[str, Dict[str, float]] = {s.name: {} for s in subjects}
        for round_no in range(rounds):
            for subject in subjects:
                before = {name: cpu_seconds(pid) for name, pid in subject.pids.items()}
                result = _load(subject, conversations, turns, f"r{round_no}")
                runs[subject.name].append(result)
                for name, pid in subject.pids.items():
                    cpu[subject.name][name] = cpu[subject.name].get(name, 0.0) + cpu_seconds(pid) - before[name]
        for subject in subjects:
            results = runs[subject.name]
            pooled = LoadResult(conversations, [ms for r in results for ms in r.latencies_ms],
                                0.0, sum(r.errors for r in results))
            median_rate = statistics.median(r.throughput for r in results)
            pooled.wall_s = len(pooled.latencies_ms) / median_rate if median_rate else 0.0
            subject.loads[conversations] = pooled
            if conversations == 10:
                sent = len(pooled.latencies_ms)
                subject.cpu_ms_per_turn = {name: sec * 1000 / sent for name, sec in cpu[subject.name].items()}
            print(f"  {subject.name}: {conversations:>2} conversations p50 {pooled.pct(50):.0f} ms, "
                  f"{pooled.throughput:.1f} msg/s", file=sys.stderr, flush=True)


def curves_interleaved(subjects: Sequence[Subject], turns: int) -> None:
    """One long conversation per bot, default settings, turn by turn in alternation; for a bot
    whose tracker store is known, the events loaded for each turn in LOAD_TURNS."""
    senders = {subject.name: f"bench-curve-{i}-{int(time.time())}" for i, subject in enumerate(subjects)}
    for turn in range(turns):
        for subject in subjects:
            sender = senders[subject.name]
            if subject.tracker_db is not None and turn + 1 in LOAD_TURNS:
                subject.events_loaded[turn + 1] = session_events(subject.tracker_db, sender)[0]
            text = subject.messages[turn % len(subject.messages)]
            started = time.perf_counter()
            httpclient.request("POST", f"{subject.url}/webhooks/rest/webhook", timeout=REQUEST_TIMEOUT_S,
                               json={"sender": sender, "message": text, "metadata": subject.metadata}).raise_for_status()
            subject.curve_ms.append((time.perf_counter() - started) * 1000)
    for subject in subjects:
        if subject.tracker_db is not None:
            subject.events_stored = session_events(subject.tracker_db, senders[subject.name])[1]


def session_events(tracker_db: Path, sender: str) -> Tuple[int, int]:
    """(events Rasa's SQL tracker store loads for this conversation's next turn, events stored in all).

    The first is the filter of ``SQLTrackerStore._event_query`` (Rasa 3.6): the events from the
    latest ``session_started`` on (tests/live/test_long_conversation_live.py counts them through
    the store itself)."""
    import sqlite3

    if not tracker_db.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True, timeout=10)
    try:
        start = conn.execute("SELECT MAX(timestamp) FROM events WHERE sender_id = ? AND type_name = ?",
                             (sender, "session_started")).fetchone()[0]
        loaded = conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND timestamp >= ?",
                              (sender, start if start is not None else float("-inf"))).fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
    except sqlite3.Error:  # no table yet: nothing stored
        return 0, 0
    finally:
        conn.close()
    return int(loaded), int(stored)


# -- processes -------------------------------------------------------------------------------------

def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (from /proc), MiB."""
    total, pids = 0, {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) in pids:
                pids.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (its waited-for children included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def first_answer_s(url: str, messages: Sequence[str], metadata: Dict[str, str], started: float,
                   process: Optional[subprocess.Popen], timeout_s: float = 400) -> float:
    while time.monotonic() - started < timeout_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"bot at {url} exited during start-up (code {process.returncode})")
        try:
            response = httpclient.request("POST", f"{url}/webhooks/rest/webhook", timeout=30,
                                          json={"sender": "bench-startup", "message": messages[0], "metadata": metadata})
            if response.status_code == 200 and response.json():
                return time.monotonic() - started
        except httpclient.HttpError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} within {timeout_s:.0f}s")


def ensure_bare_bot(settings: Settings) -> Path:
    """``rasa init --no-prompt`` once into .kefu/bench/bare-bot; its trained model is reused."""
    folder = settings.state_dir / "bench" / "bare-bot"
    models = sorted((folder / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rasa = str(Path(sys.executable).with_name("rasa"))
    print("bench: creating and training the bare `rasa init` bot (once; cached in "
          f"{folder.relative_to(settings.root) if folder.is_relative_to(settings.root) else folder}) ...",
          file=sys.stderr, flush=True)
    with open(folder.parent / "bare-bot-init.log", "wb") as log:
        subprocess.run([rasa, "init", "--no-prompt", "--init-dir", str(folder)], cwd=folder, check=True,
                       stdout=log, stderr=subprocess.STDOUT, env=_rasa_env())
    models = sorted((folder / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init trained no model; see {folder.parent / 'bare-bot-init.log'}")
    return models[-1]


def _rasa_env() -> Dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")


def start_bare(settings: Settings, cleanup: Any) -> Subject:
    model = ensure_bare_bot(settings)
    port = free_port()
    subject = Subject("bare rasa init", f"http://127.0.0.1:{port}", BARE_MESSAGES)
    rasa = str(Path(sys.executable).with_name("rasa"))
    log = cleanup.enter_context(open(model.parent.parent.parent / "bare-bot-run.log", "ab"))
    started = time.monotonic()
    process = subprocess.Popen([rasa, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port)],
                               cwd=model.parent.parent, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=_rasa_env(), start_new_session=True)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    cleanup.callback(stop)
    subject.startup_s = first_answer_s(subject.url, subject.messages, {}, started, process)
    subject.rss_mib = rss_mib(process.pid)
    subject.pids = {"rasa": process.pid}
    return subject


def launcher_stack(settings: Settings, profile: Optional[Path] = None) -> Any:
    """kefu as `kefu up` runs it (SQLite, one Rasa, started through kefu_rasa.launch), optionally profiled."""
    class LauncherStack(Stack):
        def build_services(self) -> List[Any]:
            services = super().build_services()
            rasa = services[-1]
            extra = ["--profile", str(profile)] if profile else []
            launch = rasa.command.index("kefu_rasa.launch")  # kefu.stack already starts Rasa through it
            rasa.command = [*rasa.command[:launch + 1], *extra, *rasa.command[launch + 1:]]
            return services

    return LauncherStack(settings, with_web=False)


def isolated_settings(tag: str) -> Settings:
    """Own free ports and state folder per measured stack (never a running `make run`)."""
    from dataclasses import replace


    base = Settings.from_env()
    state = base.state_dir / "bench" / tag
    state.mkdir(parents=True, exist_ok=True)
    return replace(base, state_dir=state, db_path=state / "kefu.db", rasa_port=free_port(),
                   action_port=free_port(), web_port=free_port(),
                   database_url=None, redis_url=None)


def start_kefu(cleanup: Any) -> Subject:
    settings = isolated_settings("kefu")
    load_shop(settings.shop_dir, settings.db_path)
    stack = launcher_stack(settings)
    subject = Subject("kefu (SQLite, 1 process)", settings.rasa_url, KEFU_MESSAGES, dict(KEFU_METADATA))
    started = time.monotonic()
    cleanup.callback(stack.stop)
    stack.start()
    subject.startup_s = first_answer_s(subject.url, subject.messages, subject.metadata, started, None)
    subject.rss_mib = rss_mib(stack.services[-1].process.pid)
    subject.pids = {svc.name: svc.process.pid for svc in stack.services}
    subject.tracker_db = settings.tracker_db_path
    subject.stack = stack
    return subject


RESTART_CONVERSATIONS = 10
RESTART_PAUSE_S = 1.0  # each buyer reads the answer before the next message


def measure_restart(subject: Subject, conversations: int = RESTART_CONVERSATIONS) -> RestartResult:
    """``conversations`` buyers talk while Rasa is replaced; then every message is looked up in its tracker."""
    stack = subject.stack
    rasa = stack.service("rasa")
    result = RestartResult(old_pid=rasa.pid)
    done = threading.Event()
    restarting = threading.Event()
    sent: Dict[str, List[str]] = {}
    lock = threading.Lock()

    def buyer(sender: str) -> None:
        http = httpclient.session()
        sent[sender] = []
        turn = 0
        while not done.is_set():
            text = subject.messages[turn % len(subject.messages)]
            payload = {"sender": sender, "message": text, "metadata": subject.metadata}
            with lock:
                result.sent += 1
                result.during += restarting.is_set()
            try:
                response = httpclient.request("POST", f"{subject.url}/webhooks/rest/webhook", json=payload,
                                              timeout=REQUEST_TIMEOUT_S, http=http)
                body = response.json() if response.content else None
                ok = response.status_code == 200 and any(m.get("text") for m in body or [])
                with lock:
                    result.answered += ok
                    result.errors += not ok
            except httpclient.HttpError:
                with lock:
                    result.refused += 1
            sent[sender].append(text)
            turn += 1
            time.sleep(RESTART_PAUSE_S)

    run = time.strftime("%H%M%S")
    threads = [threading.Thread(target=buyer, args=(f"bench-restart-{run}-{i}",), daemon=True)
               for i in range(conversations)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    started = time.monotonic()
    restarting.set()
    stack.replace_warm(rasa)
    restarting.clear()
    result.restart_s = time.monotonic() - started
    result.new_pid = rasa.pid
    time.sleep(5)
    done.set()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT_S + 10)
    token = stack.settings.token_file.read_text().strip()
    for sender, texts in sent.items():
        events = httpclient.request("GET", f"{subject.url}/conversations/{sender}/tracker",
                                    params={"token": token}, timeout=60).json()["events"]
        stored = [e.get("text") for e in events if e.get("event") == "user"]
        result.lost += abs(len(texts) - len(stored)) + sum(a != b for a, b in zip(texts, stored))
    return result


def report_restart(result: RestartResult, out: Callable[[str], None] = print) -> None:
    out(f"\n### Rasa restart under {RESTART_CONVERSATIONS} conversations (kefu, SQLite; new process warmed "
        "on the shared socket, then the old one drained)\n")
    out("| messages sent | sent while the new Rasa loaded | answered | refused | errors | lost "
        "| restart s (spawn to old gone) | pids |")
    out("|---:|---:|---:|---:|---:|---:|---:|---|")
    out(f"| {result.sent} | {result.during} | {result.answered} | {result.refused} | {result.errors} "
        f"| {result.lost} | {result.restart_s:.0f} | {result.old_pid} → {result.new_pid} |")


def start_scaled(cleanup: Any) -> Tuple[Subject, Subject]:
    settings = isolated_settings("scale")
    stack = ScaleStack(settings, replicas=2, with_web=False)
    started = time.monotonic()
    cleanup.callback(stack.stop)
    stack.start()
    one = Subject("kefu replica 1 (PostgreSQL + Redis)", f"http://127.0.0.1:{stack.replica_ports[0]}",
                  KEFU_MESSAGES, dict(KEFU_METADATA))
    two = Subject("kefu 2 replicas via nginx", settings.rasa_url, KEFU_MESSAGES, dict(KEFU_METADATA))
    two.startup_s = one.startup_s = first_answer_s(two.url, two.messages, two.metadata, started, None)
    one.rss_mib = rss_mib(stack.services[-2].process.pid)
    two.rss_mib = one.rss_mib + rss_mib(stack.services[-1].process.pid)
    one.pids = {svc.name: svc.process.pid for svc in stack.services if svc.name != "rasa-2"}
    two.pids = {svc.name: svc.process.pid for svc in stack.services}
    for engine in stack.engines:
        if engine.process is not None:
            one.pids[engine.name] = two.pids[engine.name] = engine.process.pid
    return one, two


# -- profile ---------------------------------------------------------------------------------------

def _profile_parts() -> List[Tuple[str, List[Tuple[str, int]]]]:
    """(label, [(source file, first line)]) of the Rasa 3.6 functions a turn is broken into.

    Resolved from the installed classes, so two methods of one name in one file
    (``FailSafeTrackerStore.save`` wraps ``SQLTrackerStore.save``) are not mixed up.
    """
    import inspect

    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore


    def where(function: Any) -> Tuple[str, int]:
        function = inspect.unwrap(function)
        return inspect.getsourcefile(function) or "", function.__code__.co_firstlineno

    return [
        ("whole turn (MessageProcessor.handle_message)", [where(MessageProcessor.handle_message)]),
        ("NLU (MessageProcessor.parse_message)", [where(MessageProcessor.parse_message)]),
        ("policy prediction", [where(MessageProcessor._predict_next_with_tracker)]),
        ("custom actions incl. HTTP (RemoteAction.run)", [where(RemoteAction.run)]),
        ("action response validation (jsonschema)", [where(patches._validate_action_result),
                                                     where(patches.ORIGINALS.get("action",
                                                                                 RemoteAction._validate_action_result))]),
        ("action payload (tracker state + domain)", [where(RemoteAction._action_call_format)]),
        ("tracker store retrieve", [where(FailSafeTrackerStore.retrieve)]),
        ("tracker store save", [where(FailSafeTrackerStore.save)]),
    ]


def profile_breakdown(stats_path: Path, turns: int) -> List[Tuple[str, float, int]]:
    """(label, ms per turn, calls per turn x100) from a cProfile dump of the Rasa process.

    Coroutines count one call per resumption, so "calls" of async functions are not
    invocations; cumulative time is right (time on the stack, awaits excluded).
    """
    import pstats

    stats = pstats.Stats(str(stats_path)).stats  # type: ignore[attr-defined]
    rows = []
    for label, targets in _profile_parts():
        cumulative, calls = 0.0, 0
        wanted = {(str(Path(f).resolve()), line) for f, line in targets}
        for (filename, line, _function), (cc, _nc, _tt, ct, _callers) in stats.items():
            if (str(Path(filename).resolve()), line) in wanted:
                cumulative += ct
                calls += cc
        rows.append((label, cumulative * 1000 / turns, round(calls * 100 / turns)))
    return rows


def run_profile(turns: int = 60) -> Tuple[List[Tuple[str, float, int]], Path]:
    """kefu under cProfile for ``turns`` turns (10 conversations), then the breakdown per turn."""
    settings = isolated_settings("profile")
    load_shop(settings.shop_dir, settings.db_path)
    stats_path = settings.state_dir / "rasa.prof"
    stats_path.unlink(missing_ok=True)
    stack = launcher_stack(settings, profile=stats_path)
    subject = Subject("kefu profiled", settings.rasa_url, KEFU_MESSAGES, dict(KEFU_METADATA))
    stack.start()
    try:
        rasa = stack.services[-1].process
        _load(subject, 4, 5, "profile-warm")  # TensorFlow traces its graphs on first use
        rasa.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        _load(subject, 10, turns // 10, "profile")
        rasa.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 60
        while not stats_path.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)  # let the dump finish
    finally:
        stack.stop()
    if not stats_path.exists():
        raise RuntimeError(f"no profile written to {stats_path}; see {stack.log_dir}/rasa.log")
    # the start-up check and health calls are not turns; 10 x turns/10 turns were sent
    return profile_breakdown(stats_path, turns), stats_path


# -- report ----------------------------------------------------------------------------------------

def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def report(bare: Subject, others: Sequence[Subject], out: Callable[[str], None] = print) -> None:
    out("\n### Latency and throughput (ratios to the bare `rasa init` bot in the same run)\n")
    out("| bot | conversations | p50 ms | p95 ms | p99 ms | msg/s | p50 vs bare | msg/s vs bare | errors |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for subject in (bare, *others):
        for n, result in subject.loads.items():
            base = bare.loads[n]
            out(f"| {subject.name} | {n} | {result.pct(50):.0f} | {result.pct(95):.0f} | {result.pct(99):.0f} "
                f"| {result.throughput:.1f} | {_ratio(result.pct(50), base.pct(50))} "
                f"| {_ratio(result.throughput, base.throughput)} | {result.errors} |")
    one = next((s for s in others if s.name.startswith("kefu replica 1")), None)
    two = next((s for s in others if s.name.startswith("kefu 2 replicas")), None)
    if one and two:
        out("\n| concurrent conversations | 2 replicas / 1 replica (throughput) |")
        out("|---:|---:|")
        for n in two.loads:
            out(f"| {n} | {_ratio(two.loads[n].throughput, one.loads[n].throughput)} |")
    out("\n### Start-up and memory\n")
    out("| bot | spawn to first answer s | RSS MiB | vs bare (time) | vs bare (RSS) |")
    out("|---|---:|---:|---:|---:|")
    for subject in (bare, *others):
        out(f"| {subject.name} | {subject.startup_s:.1f} | {subject.rss_mib:.0f} "
            f"| {_ratio(subject.startup_s, bare.startup_s)} | {_ratio(subject.rss_mib, bare.rss_mib)} |")
    out("\n### CPU per turn at 10 conversations (ms of CPU time per answered message, by process)\n")
    out(f"| bot | CPU ms per turn, by process | total | ceiling on this machine ({os.cpu_count()} cores) |")
    out("|---|---|---:|---:|")
    for subject in (bare, *others):
        if subject.cpu_ms_per_turn:
            total = sum(subject.cpu_ms_per_turn.values())
            parts = ", ".join(f"{name} {ms:.0f}" for name, ms in subject.cpu_ms_per_turn.items())
            out(f"| {subject.name} | {parts} | {total:.0f} | {(os.cpu_count() or 1) * 1000 / total:.0f} msg/s |")
    curves = [s for s in (bare, *others) if s.curve_ms]
    if curves:
        report_curves(curves, out)


def report_curves(curves: Sequence[Subject], out: Callable[[str], None] = print) -> None:
    turns = len(curves[0].curve_ms)
    starts = [i for i in (0, 90, 190, 290) if i + 10 <= turns]
    if turns - 10 not in starts and turns >= 20:
        starts.append(turns - 10)
    out(f"\n### One conversation, turn 1 to turn {turns}, default settings (median ms of each block of 10 turns)\n")
    out("| bot | " + " | ".join(f"turns {i + 1}-{i + 10}" for i in starts)
        + f" | turns {starts[-1] + 1}-{starts[-1] + 10} / turns 1-10 |")
    out("|---|" + "---:|" * (len(starts) + 1))
    for subject in curves:
        blocks = [statistics.median(subject.curve_ms[i:i + 10]) for i in starts]
        out(f"| {subject.name} | " + " | ".join(f"{b:.0f}" for b in blocks) + f" | {_ratio(blocks[-1], blocks[0])} |")
    loaded = [s for s in curves if s.events_loaded]
    if loaded:
        out("\n### Events the tracker store loads for one turn of that conversation (Rasa's SQL store: "
            "from the latest session_started on)\n")
        out("| bot | " + " | ".join(f"turn {n}" for n in sorted(loaded[0].events_loaded))
            + " | stored for the whole conversation |")
        out("|---|" + "---:|" * (len(loaded[0].events_loaded) + 1))
        for subject in loaded:
            out(f"| {subject.name} | " + " | ".join(str(subject.events_loaded[n]) for n in sorted(subject.events_loaded))
                + f" | {subject.events_stored} |")


def report_profile(rows: List[Tuple[str, float, int]], out: Callable[[str], None] = print) -> None:
    out("\n### Where one kefu turn goes (cProfile of the Rasa process, cumulative ms per turn)\n")
    out("| part | ms per turn | share of the turn |")
    out("|---|---:|---:|")
    whole = rows[0][1] or 1.0
    for label, ms, _calls in rows:
        out(f"| {label} | {ms:.1f} | {ms / whole:.0%} |")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kefu_rasa.bench_stack", description=__doc__.split("\n")[0])
    parser.add_argument("--no-scale", action="store_true", help="skip the two-replica PostgreSQL/Redis part")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    parser.add_argument("--profile-only", action="store_true", help="only the profiled run (make profile)")
    parser.add_argument("--curve-turns", type=int, default=CURVE_TURNS)
    parser.add_argument("--curve-only", action="store_true",
                        help="only the long conversation, kefu beside the bare bot (no load levels, scale, profile)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved rounds per level (default 3)")
    parser.add_argument("--restart-only", action="store_true",
                        help="only kefu and a Rasa restart under 10 conversations (no bare bot)")
    parser.add_argument("--no-restart", action="store_true", help="skip the restart under traffic")
    args = parser.parse_args(argv)

    if not model_file(Settings.from_env()).exists():
        print("bench: no trained model at models/kefu.tar.gz: run `make train`", file=sys.stderr)
        return 2
    if args.profile_only:
        rows, path = run_profile()
        report_profile(rows)
        print(f"\n(profile: {path}; explore with `python -m pstats {path}`)")
        return 0
    from contextlib import ExitStack

    if args.restart_only:
        with ExitStack() as cleanup:
            kefu = start_kefu(cleanup)
            warm_up(kefu)
            report_restart(measure_restart(kefu))
        return 0
    with ExitStack() as cleanup:
        print("bench: starting the bare rasa init bot ...", file=sys.stderr, flush=True)
        bare = start_bare(Settings.from_env(), cleanup)
        print("bench: starting kefu (SQLite, one Rasa process, patched launcher) ...", file=sys.stderr, flush=True)
        others = [start_kefu(cleanup)]
        if args.curve_only:
            for subject in (bare, *others):
                warm_up(subject)
            print(f"bench: one conversation of {args.curve_turns} turns per bot, interleaved ...",
                  file=sys.stderr, flush=True)
            curves_interleaved([bare, others[0]], args.curve_turns)
            report_curves([bare, others[0]])
            return 0
        if not args.no_scale:
            print("bench: starting kefu with two replicas on PostgreSQL + Redis behind nginx ...",
                  file=sys.stderr, flush=True)
            others.extend(start_scaled(cleanup))
        subjects = [bare, *others]
        for subject in subjects:
            warm_up(subject)
        print(f"bench: {args.rounds} interleaved rounds per level ...", file=sys.stderr, flush=True)
        measure_interleaved(subjects, LEVELS, args.rounds)
        if args.curve_turns:
            print(f"bench: one conversation of {args.curve_turns} turns per bot, interleaved ...",
                  file=sys.stderr, flush=True)
            curves_interleaved([bare, others[0]], args.curve_turns)
        restart = None
        if not args.no_restart:
            print(f"bench: Rasa restart under {RESTART_CONVERSATIONS} conversations ...", file=sys.stderr, flush=True)
            restart = measure_restart(others[0])
    report(bare, others)
    if restart is not None:
        report_restart(restart)
    if not args.no_profile:
        print("bench: kefu under cProfile ...", file=sys.stderr, flush=True)
        rows, _ = run_profile()
        report_profile(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
