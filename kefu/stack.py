"""Start, watch and stop the whole assistant: `kefu up`, `kefu chat`, `kefu status`, `kefu serve`.

Start-up order matters: every sentence a buyer reads comes from the action server
(there is no NLG service: the domain has no ``utter_*`` responses), so the action
server and the web app are started and health-checked first, and Rasa last.
Every service runs as a child process with the same ``KEFU_*`` environment, so
`kefu.settings` is the one place their ports and paths come from. Logs go to
``.kefu/logs/<service>.log``; when a service fails, the tail of its log is shown.

Supervision (:class:`Supervisor`, run by `kefu up`): every few seconds each
service's health URL is asked with a timeout. A service that exited, or that did
not answer :data:`UNRESPONSIVE_CHECKS` times in a row (a frozen event loop answers
nothing), is restarted with exponential backoff while the others keep running; why
is printed and written to ``logs/supervisor.log``. A service that answers but not
200 (its database is read-only, say) is reported, not restarted: a restart would
not help and would cost buyers answers. Everything stops only on Ctrl-C or when one
service crash-loops (:data:`CRASH_LOOP_RESTARTS` restarts within
:data:`CRASH_LOOP_WINDOW_S`), and the supervisor says which.

Restarts without refusals: `kefu up` owns Rasa's listening socket (bound once, handed to
every Rasa process it starts, :data:`LISTEN_FD_ENV`), so a connection that arrives while Rasa
restarts waits in the socket's queue instead of being refused. A planned restart
(:meth:`Stack.replace_warm`: a changed model after `make train`, or SIGHUP to `kefu up`)
starts the new Rasa on the same socket, waits until it has loaded and warmed its model and
accepts connections (it writes :data:`READY_FILE_ENV`), and only then stops the old one,
which finishes the turns it is running (Sanic's graceful shutdown) before it exits.

Secrets: the Rasa API token and the internal services' shared token are generated
once into the state folder (0600; every state file is created 0600, the services
run with umask 077) and never put on a command line: Rasa starts through
``kefu_rasa.launch``, which reads the token itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Deque, Dict, List, Optional, Sequence, TextIO

from kefu import httpclient, pidfiles, retry
from kefu.settings import PROJECT_ROOT, Settings
from kefu.servers.auth import write_private
from kefu.handoff.web.chat import callback_url
from kefu.cli import CommandError
from kefu.servers.auth import ensure_service_token

STARTUP_TIMEOUT_S = 60.0
RASA_STARTUP_TIMEOUT_S = 240.0
HTTP_TIMEOUT_S = 30.0
# Supervision: how often, how long a health check may take, when a service counts as frozen.
CHECK_INTERVAL_S = 2.0
HEALTH_TIMEOUT_S = 5.0
UNRESPONSIVE_CHECKS = 3
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
CRASH_LOOP_RESTARTS = 5
CRASH_LOOP_WINDOW_S = 300.0
STATE_UMASK = 0o077
# Rasa's shared listening socket: its queue holds connections while no Rasa accepts (a restart).
LISTEN_FD_ENV = "KEFU_RASA_LISTEN_FD"
READY_FILE_ENV = "KEFU_RASA_READY_FILE"
LISTEN_BACKLOG = 1024
# How long an old Rasa may take to finish its turns after SIGTERM (Sanic's graceful shutdown is 15 s).
DRAIN_TIMEOUT_S = 25.0
# A replacement may load slowly (the old process keeps serving meanwhile, so waiting costs nobody).
REPLACE_READY_TIMEOUT_S = 900.0
# The action server only ever talks to Rasa on this machine.
LOOPBACK = "127.0.0.1"


class StackError(Exception):
    """A service could not be started or reached; the message says which and why."""


@dataclass
class Service:
    """One child process and the URL that answers 200 once it is ready."""

    name: str
    command: List[str]
    health_url: str
    port: int
    timeout_s: float = STARTUP_TIMEOUT_S
    process: Optional[subprocess.Popen] = field(default=None, repr=False)
    # Supervision state (see Supervisor).
    failures: int = 0
    restarts: Deque[float] = field(default_factory=deque, repr=False)
    restart_at: Optional[float] = None
    starting_until: Optional[float] = None
    reported_status: Optional[int] = None
    # Rasa only: the listening socket `kefu up` owns and hands to each of its processes.
    listener: Optional[socket.socket] = field(default=None, repr=False)

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def ensure_api_token(settings: Settings) -> str:
    """The Rasa HTTP API token: generated on first run into .kefu/ (0600, never in git), then reused."""
    return _ensure_api_token(settings)[0]


def _ensure_api_token(settings: Settings) -> "tuple[str, bool]":
    """(token, created now)."""
    path = settings.token_file
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token, False
    token = secrets.token_urlsafe(32)
    write_private(path, token + "\n")
    return token, True


def tighten_state_permissions(settings: Settings) -> None:
    """The state folder 0700 and its files 0600, also those made before `kefu up` (e.g. `kefu load-shop`)."""
    state = settings.state_dir
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    for path in [*state.glob("*"), *state.glob("logs/*")]:
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def service_environment(settings: Settings) -> Dict[str, str]:
    """The environment every service gets: the resolved settings plus Rasa's endpoint variables."""
    env = dict(os.environ)
    for spec in dataclasses.fields(settings):
        value = getattr(settings, spec.name)
        if value is not None:
            env[f"KEFU_{spec.name.upper()}"] = str(value)
    env.update(
        KEFU_ACTION_URL=settings.action_url,
        KEFU_TRACKER_DB=str(settings.state_dir / "conversations.db"),
        KEFU_CALLBACK_URL=_callback_url(settings),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def _callback_url(settings: Settings) -> str:
    """Rasa's callback channel URL, with the web app's shared secret (kefu.handoff.web.chat)."""
    return callback_url(settings)


def model_file(settings: Settings) -> Path:
    return settings.root / "models" / "kefu.tar.gz"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def listen_socket(host: str, port: int) -> socket.socket:
    """Rasa's listening socket, owned by `kefu up` and inherited by every Rasa process it starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StackError(f"cannot listen on {host}:{port} for Rasa: {exc}") from None
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def _stop_process(process: subprocess.Popen, timeout_s: float) -> None:
    """SIGTERM the process group, SIGKILL it if it has not exited within ``timeout_s``."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def model_stamp(settings: Settings) -> Optional[tuple]:
    """(modification time, size) of the model file, None while there is none."""
    try:
        stat = model_file(settings).stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    return http_status(url, timeout) == 200


def http_status(url: str, timeout: float = 2.0) -> Optional[int]:
    """The HTTP status ``url`` answers with, or None when it does not answer within ``timeout``."""
    return httpclient.status(url, timeout)


class Stack:
    """The running assistant. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, settings: Optional[Settings] = None, *, with_web: bool = True) -> None:
        self.settings = settings or Settings.from_env()
        self.with_web = with_web
        self.log_dir = self.settings.state_dir / "logs"
        self.services: List[Service] = []
        self.token = ""
        self.token_created = False
        self._env: Dict[str, str] = {}

    # -- composition ---------------------------------------------------------------
    def build_services(self) -> List[Service]:
        s = self.settings
        python = sys.executable
        services = [
            Service(
                "actions",
                [python, "-m", "kefu_rasa.action_server"],
                f"http://{s.host}:{s.action_port}/health",
                s.action_port,
            ),
        ]
        if self.with_web:
            services.append(
                Service(
                    "web",
                    [python, "-m", "kefu", "serve", "web"],
                    f"{s.web_url}/health",
                    s.web_port,
                )
            )
        services.append(
            Service(
                "rasa",
                [
                    python, "-m", "kefu_rasa.launch", "run",
                    "--model", str(model_file(s)),
                    "--endpoints", "endpoints.yml",
                    "--credentials", "credentials.yml",
                    "--enable-api",  # the token: read by kefu_rasa.launch, never on this command line
                    "--interface", s.host, "--port", str(s.rasa_port),
                ],
                f"{s.rasa_url}/webhooks/rest/",
                s.rasa_port,
                timeout_s=RASA_STARTUP_TIMEOUT_S,
            )
        )
        return services

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> "Stack":
        if not model_file(self.settings).exists():
            raise StackError("no trained model at models/kefu.tar.gz: run `make train` (make run does it for you)")

        tighten_state_permissions(self.settings)
        self._claim_state_dir()
        self.token, self.token_created = _ensure_api_token(self.settings)
        ensure_service_token(self.settings)
        self.services = self.build_services()
        busy = [f"{svc.name} :{svc.port}" for svc in self.services if not port_is_free(self.settings.host, svc.port)]
        if busy:
            raise StackError(
                f"port(s) already in use: {', '.join(busy)}. Is kefu already running (`kefu status`)? "
                "Stop it, or choose other ports with KEFU_RASA_PORT / KEFU_ACTION_PORT / KEFU_WEB_PORT."
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self._env = service_environment(self.settings)
        rasa = self.services[-1]
        if rasa.name == "rasa":  # `kefu scale` replicas sit behind nginx and keep their own ports
            rasa.listener = listen_socket(self.settings.host, rasa.port)
        try:
            front, rasa = self.services[:-1], self.services[-1]
            for service in front:
                self._spawn(service, env)
            for service in front:
                self._wait_healthy(service)
            self._spawn(rasa, env)
            self._wait_healthy(rasa)
        except BaseException:
            self.stop()
            raise
        return self

    def _claim_state_dir(self, say: Optional[Callable[[str], None]] = None) -> None:
        """Refuse while another live `kefu up` owns this state folder; else stop what a dead one left
        running (:func:`kefu.pidfiles.reclaim`) and record ourselves as the owner."""
        state = self.settings.state_dir
        owner = pidfiles.live_owner(state)
        if owner is not None:
            raise StackError(f"kefu is already running on {state} (pid {owner.pid}): stop it first, "
                             "or use another KEFU_STATE_DIR")
        pidfiles.reclaim(state, say or (lambda line: print(f"kefu: {line}", flush=True)))
        pidfiles.record(state, pidfiles.OWNER, os.getpid(), sys.argv)

    def service(self, name: str) -> Service:
        return next(svc for svc in self.services if svc.name == name)

    def respawn(self, service: Service) -> None:
        """Start ``service`` again (after it died or was killed) with the stack's environment."""
        self._spawn(service, self._env)

    def ready_file(self, service: Service) -> Path:
        """Where a Rasa process writes its pid once it accepts on the shared socket with a warm model."""
        return self.settings.state_dir / f"{service.name}.ready"

    def replace_warm(self, service: Service, say: Callable[[str], None] = lambda line: None,
                     abort: Callable[[], bool] = lambda: False) -> None:
        """A new process of ``service`` (Rasa, on the shared socket) loaded, warmed and accepting before
        the old one is asked to stop; the old one finishes its turns first. Nobody is refused meanwhile:
        both accept on the one socket. When the new one fails to start (or ``abort()``: Ctrl-C while it
        loads), the old one keeps serving."""
        if service.listener is None:
            raise StackError(f"{service.name} has no shared socket: it cannot be replaced without a gap")
        old = service.process
        self._spawn(service, self._env)
        new = service.process
        try:
            self._wait_ready(service, REPLACE_READY_TIMEOUT_S, abort)
        except StackError:
            self.kill(service)
            service.process = old
            if old is not None:
                pidfiles.record(self.settings.state_dir, service.name, old.pid, service.command)
            raise
        say(f"{service.name} pid {new.pid} accepts with a warm model; stopping pid "
            f"{old.pid if old else '-'} once its turns are done")
        if old is not None and old.poll() is None:
            _stop_process(old, DRAIN_TIMEOUT_S)

    def kill(self, service: Service, sig: int = signal.SIGKILL) -> None:
        """Signal the service's whole process group and reap it."""
        if service.process is None:
            return
        try:
            os.killpg(service.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            service.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait()

    def _spawn(self, service: Service, env: Dict[str, str]) -> None:
        pass_fds: Sequence[int] = ()
        if service.listener is not None:
            ready = self.ready_file(service)
            ready.unlink(missing_ok=True)
            pass_fds = (service.listener.fileno(),)
            env = {**env, LISTEN_FD_ENV: str(pass_fds[0]), READY_FILE_ENV: str(ready),
                   "SANIC_BACKLOG": str(LISTEN_BACKLOG)}
        log_path = self.log_dir / f"{service.name}.log"
        log = open(os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {service.name}\n".encode())
        log.flush()
        service.process = subprocess.Popen(
            service.command,
            cwd=self.settings.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            pass_fds=pass_fds,
            start_new_session=True,  # its own process group: a stop reaches its children too
            umask=STATE_UMASK,  # every file a service creates (databases, queues) is 0600
            preexec_fn=pidfiles.die_with_parent(),  # SIGTERM when `kefu up` dies, even by SIGKILL
        )
        log.close()
        pidfiles.record(self.settings.state_dir, service.name, service.process.pid, service.command)

    def _wait_ready(self, service: Service, timeout_s: float, abort: Callable[[], bool] = lambda: False) -> None:
        """Until this process of ``service`` wrote its pid to the ready file (kefu_rasa.launch)."""
        ready = self.ready_file(service)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if abort():
                raise StackError(f"{service.name}: start-up abandoned (stopping)")
            if not service.running:
                raise StackError(f"{service.name} exited during start-up.\n{self.log_tail(service.name)}")
            try:
                if ready.read_text().strip() == str(service.pid):
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise StackError(f"{service.name} was not ready within {timeout_s:.0f}s.\n"
                         f"{self.log_tail(service.name)}")

    def _wait_healthy(self, service: Service) -> None:
        deadline = time.monotonic() + service.timeout_s
        while time.monotonic() < deadline:
            if not service.running:
                raise StackError(f"{service.name} exited during start-up.\n{self.log_tail(service.name)}")
            if http_ok(service.health_url):
                return
            time.sleep(0.5)
        raise StackError(
            f"{service.name} did not become healthy at {service.health_url.split('?')[0]} "
            f"within {service.timeout_s:.0f}s.\n{self.log_tail(service.name)}"
        )

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return f"(no log at {path})"
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        return f"Last lines of {path}:\n" + "\n".join("  " + line for line in tail)

    def dead_services(self) -> List[Service]:
        return [svc for svc in self.services if not svc.running]

    def stop(self) -> None:
        """SIGTERM every service (Rasa first, it depends on the others), then SIGKILL stragglers."""
        for service in reversed(self.services):
            if service.running:
                try:
                    os.killpg(service.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for service in reversed(self.services):
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(service.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                service.process.wait()
        for service in self.services:
            pidfiles.forget(self.settings.state_dir, service.name)
            if service.listener is not None:
                service.listener.close()
                service.listener = None
        pidfiles.forget(self.settings.state_dir, pidfiles.OWNER)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- talking to it -------------------------------------------------------------
    def say(self, sender: str, text: str, metadata: Optional[dict] = None) -> List[dict]:
        return send_rest_message(self.settings.rasa_url, sender, text, metadata)


def send_rest_message(rasa_url: str, sender: str, text: str, metadata: Optional[dict] = None,
                      token: Optional[str] = None) -> List[dict]:
    """One buyer turn over Rasa's REST channel; returns the bot messages. With the shop's API
    ``token`` the caller is trusted: its metadata may name the order (kefu.edge.identity)."""
    payload = {"sender": sender, "message": text, "metadata": metadata or {}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpclient.request("POST", f"{rasa_url}/webhooks/rest/webhook", json=payload, headers=headers,
                                  timeout=HTTP_TIMEOUT_S)
    response.raise_for_status()
    return response.json()


class CrashLoop(StackError):
    """One service keeps dying: the supervisor stops everything and says which."""


class Supervisor:
    """Keeps a started :class:`Stack` answering: restarts what died or froze, reports what is degraded."""

    def __init__(self, stack: Stack, out: Optional[TextIO] = None, *,
                 interval_s: float = CHECK_INTERVAL_S, health_timeout_s: float = HEALTH_TIMEOUT_S) -> None:
        self.stack = stack
        self.out = out or sys.stdout
        self.interval_s = interval_s
        self.health_timeout_s = health_timeout_s
        self.events: List[str] = []  # every restart and report, for `kefu up`'s log and for tests
        self.reload_requested = False  # SIGHUP to `kefu up`: replace Rasa with a warm new process
        self._model_stamp = model_stamp(stack.settings)
        self._pending_stamp: Optional[tuple] = None
        self._should_stop: Callable[[], bool] = lambda: False

    def say(self, line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} supervisor: {line}"
        self.events.append(line)
        print(stamped, file=self.out, flush=True)
        try:
            fd = os.open(self.stack.log_dir / "supervisor.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as log:
                log.write(stamped + "\n")
        except OSError:
            pass

    def check_once(self, now: Optional[float] = None) -> None:
        """One round over every service. Raises :class:`CrashLoop` when one keeps dying."""
        now = time.monotonic() if now is None else now
        for service in self.stack.services:
            if service.restart_at is not None:
                if now >= service.restart_at:
                    service.restart_at = None
                    if service.listener is not None:
                        self._model_stamp = model_stamp(self.stack.settings)  # it loads the model as it is now
                    self.stack.respawn(service)
                    service.starting_until = now + service.timeout_s
                    self.say(f"{service.name} started again (pid {service.pid})")
                continue
            self._check(service, now)
        self._reload_if_due()

    def _reload_if_due(self) -> None:
        """A new model (``make train`` wrote it, and it stayed the same for one check) or SIGHUP:
        Rasa is replaced by a warm new process on the same socket (:meth:`Stack.replace_warm`)."""
        rasa = next((svc for svc in self.stack.services if svc.listener is not None), None)
        if rasa is None:
            return
        stamp = model_stamp(self.stack.settings)
        changed = stamp is not None and stamp != self._model_stamp
        if changed and stamp != self._pending_stamp:
            self._pending_stamp = stamp  # still being written, perhaps: look again next round
            return
        if not (changed or self.reload_requested) or not rasa.running or rasa.restart_at is not None:
            return
        reason = "the model changed" if changed else "a reload was asked (SIGHUP)"
        self.reload_requested, self._model_stamp, self._pending_stamp = False, stamp, None
        self.say(f"{rasa.name}: {reason}; starting a new process beside pid {rasa.pid} on the same socket")
        try:
            self.stack.replace_warm(rasa, self.say, abort=self._should_stop)
        except StackError as exc:
            self.say(f"{rasa.name}: the new process did not start, pid {rasa.pid} keeps serving: "
                     f"{str(exc).splitlines()[0]}")
            return
        rasa.failures, rasa.reported_status, rasa.starting_until = 0, None, None
        self.say(f"{rasa.name} replaced without a gap (pid {rasa.pid})")

    def _check(self, service: Service, now: float) -> None:
        if not service.running:
            code = service.process.returncode if service.process is not None else None
            self._restart(service, f"exited (code {code})", now)
            return
        status = http_status(service.health_url, timeout=self.health_timeout_s)
        if status is None:
            if service.starting_until is not None and now < service.starting_until:
                return  # still loading (Rasa's model takes ~30 s)
            service.failures += 1
            if service.failures >= UNRESPONSIVE_CHECKS:
                self._restart(service, f"did not answer {service.health_url.split('?')[0]} within "
                                       f"{self.health_timeout_s:.0f}s, {service.failures} checks in a row", now)
            return
        service.starting_until = None
        service.failures = 0
        if status != service.reported_status:
            if status == 200:
                if service.reported_status is not None:
                    self.say(f"{service.name} is healthy again")
            else:
                self.say(f"{service.name} answers its health check with HTTP {status} (degraded; "
                         f"not restarted, a restart would not fix it): see {self.stack.log_dir}/{service.name}.log")
            service.reported_status = status

    def _restart(self, service: Service, reason: str, now: float) -> None:
        while service.restarts and now - service.restarts[0] > CRASH_LOOP_WINDOW_S:
            service.restarts.popleft()
        if len(service.restarts) >= CRASH_LOOP_RESTARTS:
            raise CrashLoop(f"{service.name} {reason} after {len(service.restarts)} restarts within "
                            f"{CRASH_LOOP_WINDOW_S:.0f}s: a crash loop, stopping everything.\n"
                            f"{self.stack.log_tail(service.name)}")
        backoff = retry.backoff_delay(len(service.restarts), BACKOFF_FIRST_S, BACKOFF_MAX_S)
        service.restarts.append(now)
        service.failures = 0
        service.reported_status = None
        if service.running:
            self.stack.kill(service)
        self.say(f"{service.name} {reason}; restarting it in {backoff:.0f}s "
                 f"(restart {len(service.restarts)}; the other services keep running)")
        service.restart_at = now + backoff

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Check every ``interval_s`` until ``should_stop()``; a :class:`CrashLoop` propagates."""
        self._should_stop = should_stop
        while not should_stop():
            self.check_once()
            deadline = time.monotonic() + self.interval_s
            while time.monotonic() < deadline and not should_stop():
                time.sleep(0.1)

    def run_in_thread(self) -> "tuple[threading.Thread, threading.Event]":
        """For tests: supervise in the background until the returned event is set."""
        stop = threading.Event()
        thread = threading.Thread(target=self._run_quietly, args=(stop,), daemon=True)
        thread.start()
        return thread, stop

    def _run_quietly(self, stop: threading.Event) -> None:
        try:
            self.run(stop.is_set)
        except CrashLoop as exc:
            self.say(str(exc).splitlines()[0])


# -- commands ------------------------------------------------------------------------
def banner(stack: Stack) -> str:
    s = stack.settings
    lines = [
        "",
        "kefu is running.",
        f"  Rasa REST channel  {s.rasa_url}/webhooks/rest/webhook",
        f"  Rasa HTTP API      {s.rasa_url}  (token in {s.token_file.relative_to(s.root) if s.token_file.is_relative_to(s.root) else s.token_file}"
        + (f"; first run, shown once: {stack.token})" if stack.token_created else ")"),
    ]
    if stack.with_web:
        lines += [
            f"  Buyer web chat     {s.web_url}/chat",
            f"  Agent console      {s.web_url}/console",
        ]
    lines += [
        "",
        "Talk to it:",
        f"  curl -s {s.rasa_url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\",
        "       -d '{\"sender\": \"buyer-1\", \"message\": \"卫衣黑色L码有货吗\", \"metadata\": {\"platform\": \"pinduoduo\", \"product_id\": \"p1002\"}}'",
        "  make shell            # a terminal chat",
        "",
        f"Logs: {stack.log_dir}/   Stop: Ctrl-C",
    ]
    return "\n".join(lines)


def first_run_agent_notice(settings: Settings) -> Optional[str]:
    """Create the first console agent on first run and return its one-time login line."""
    try:
        from kefu.handoff.auth import ensure_first_agent
    except ImportError:  # handoff package not installed in this build
        return None
    created = ensure_first_agent(settings)
    if created is None:
        return None
    name, password = created
    return (
        f"First run: created console agent '{name}' with password {password}\n"
        f"  (shown once; add more with `kefu agent add NAME`)"
    )


def cmd_up(args: argparse.Namespace) -> int:
    stack = Stack(with_web=not args.no_web)
    print("Starting kefu: actions, web app, then Rasa (model load takes ~30 s) ...", flush=True)
    try:
        stack.start()
    except StackError as exc:
        raise CommandError(str(exc)) from None
    print(banner(stack), flush=True)
    notice = first_run_agent_notice(stack.settings) if stack.with_web else None
    if notice:
        print(notice, flush=True)
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    supervisor = Supervisor(stack)
    signal.signal(signal.SIGHUP, lambda *_: setattr(supervisor, "reload_requested", True))
    try:
        supervisor.run(lambda: stopping)
    except CrashLoop as exc:
        print(f"\nkefu: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("\nStopping kefu (Ctrl-C) ..." if stopping else "\nStopping kefu ...", flush=True)
        stack.stop()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    checks = {
        "actions": f"http://{settings.host}:{settings.action_port}/health",
        "web": f"{settings.web_url}/health",
        "rasa": f"{settings.rasa_url}/",
    }
    all_up = True
    for name, url in checks.items():
        up = http_ok(url)
        all_up &= up
        print(f"{name:8} {'up  ' if up else 'DOWN'} {url}")
    return 0 if all_up else 1


def cmd_chat(args: argparse.Namespace) -> int:
    """A terminal chat over the REST channel; starts the stack when nothing answers."""
    settings = Settings.from_env()
    stack: Optional[Stack] = None
    if not http_ok(f"{settings.rasa_url}/"):
        print("kefu is not running; starting it for this chat (Ctrl-D to quit) ...", flush=True)
        stack = Stack(settings, with_web=False)
        try:
            stack.start()
        except StackError as exc:
            raise CommandError(str(exc)) from None
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    metadata = {"platform": args.platform} if args.platform else {}
    if args.product:
        metadata["product_id"] = args.product
    print(f"Chatting as {sender} {metadata or ''}. Type a message; Ctrl-D to quit.")
    try:
        while True:
            try:
                text = input("买家> ").strip()
            except EOFError:
                print()
                break
            if not text:
                continue
            try:
                replies = send_rest_message(settings.rasa_url, sender, text, metadata)
            except Exception as exc:  # network trouble is shown, the chat goes on
                print(f"(could not reach Rasa: {exc})")
                continue
            for reply in replies:
                if reply.get("text"):
                    print(f"客服> {reply['text']}")
                for button in reply.get("buttons") or []:
                    print(f"      [{button.get('title')}]")
    finally:
        if stack:
            stack.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run kefu's web app (console and web chat) in the foreground (used by `kefu up`)."""
    settings = Settings.from_env()
    from kefu.handoff.web import create_app

    app = create_app(settings=settings)
    app.run(host=settings.host, port=settings.web_port, access_log=False, motd=False, workers=1)
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    up = subparsers.add_parser("up", help="start the whole assistant and keep it running (make run)")
    up.add_argument("--no-web", action="store_true", help="without the agent console and web chat")
    up.set_defaults(func=cmd_up)

    status = subparsers.add_parser("status", help="which kefu services answer")
    status.set_defaults(func=cmd_status)

    chat = subparsers.add_parser("chat", help="chat with the assistant in this terminal (make shell)")
    chat.add_argument("--platform", choices=("pinduoduo", "taobao", "jd", "douyin"))
    chat.add_argument("--product", help="product id, as if the buyer sent its link (e.g. p1002)")
    chat.set_defaults(func=cmd_chat)

    serve = subparsers.add_parser("serve", help="run one kefu service in the foreground")
    serve.add_argument("service", choices=("web",))
    serve.set_defaults(func=cmd_serve)


__all__: Sequence[str] = ("Stack", "StackError", "Service", "Supervisor", "CrashLoop", "ensure_api_token",
                          "send_rest_message")
