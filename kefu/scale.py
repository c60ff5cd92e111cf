"""Scale-out: N Rasa replicas behind nginx, on PostgreSQL and Redis (`kefu scale`, `make scale`).

One Rasa process runs every conversation on one event-loop thread (issue 11: flat at
~10 msg/s), so throughput grows by running several. Rasa allows that only when every
replica sees the same conversations and never two turns of one conversation at once:

- tracker store: PostgreSQL (``KEFU_DATABASE_URL``; the same database also holds kefu's
  own stores through :mod:`kefu.db`, Rasa's table is ``events``);
- lock store: Redis (``KEFU_REDIS_URL``), one lock per conversation across replicas;
- a load balancer from Debian's packages (nginx) in front, round-robin, retrying
  another replica when one is down (connection refused: nothing was sent yet).

The action server stays single (it is stateless and
cheap). Without ``KEFU_DATABASE_URL``/``KEFU_REDIS_URL``, `kefu scale` starts local
engines from the Debian packages (``postgresql``, ``redis-server``, ``nginx-light``)
with their data under ``.kefu/engines/`` on loopback ports (`make scale` installs the
packages). ``endpoints.scale.yml`` is the Rasa endpoint file of this mode; plain
`kefu up` keeps SQLite and ``endpoints.yml``.
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import unquote, urlsplit

from kefu.settings import Settings
from kefu.stack import RASA_STARTUP_TIMEOUT_S, Service, Stack, StackError, model_file
from kefu.cli import CommandError
from kefu.stack import ensure_api_token, service_environment

SCALE_ENDPOINTS = "endpoints.scale.yml"
DEBIAN_PACKAGES = ("postgresql", "redis-server", "nginx-light")
ENGINE_TIMEOUT_S = 60.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout_s: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StackError(f"process on port {port} exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise StackError(f"nothing listens on {host}:{port} after {timeout_s:.0f}s")


def _as_engine_user(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: run it as Debian's ``postgres`` user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found and not shutil.which(name):
        raise StackError(f"PostgreSQL's {name} not found: apt-get install {' '.join(DEBIAN_PACKAGES)} (make scale does)")
    return found[-1] if found else str(shutil.which(name))


# -- engines ---------------------------------------------------------------------------------------

@dataclass
class Engine:
    """A database or proxy process kefu started itself (data under ``data_dir``)."""

    name: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    process: Optional[subprocess.Popen] = field(default=None, repr=False)

    def _spawn(self, command: List[str], log_name: str) -> None:
        log = open(self.data_dir.parent / f"{log_name}.log", "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        wait_for_port(self.host, self.port, ENGINE_TIMEOUT_S, self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class LocalPostgres(Engine):
    """A private PostgreSQL cluster (initdb on first start, password auth, loopback only)."""

    database = "kefu"
    user = "kefu"

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / "postgres-password"

    @property
    def url(self) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql://{self.user}:{password}@{self.host}:{self.port}/{self.database}"

    def start(self) -> "LocalPostgres":
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        fresh = not (self.data_dir / "PG_VERSION").exists()
        if fresh:
            self._initdb()
        self._spawn(_as_engine_user([
            _pg_bin("postgres"), "-D", str(self.data_dir), "-p", str(self.port), "-h", self.host,
            "-k", "", "-c", "synchronous_commit=off", "-c", "max_connections=200",
        ]), "postgres")
        self._wait_ready()
        return self

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster itself, not to runuser)."""
        pid_file = self.data_dir / "postmaster.pid"
        if self.process is not None and self.process.poll() is None and pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
                self.process.wait(timeout=20)
            except (ValueError, ProcessLookupError, subprocess.TimeoutExpired):
                pass
        super().stop()

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        pwfile = self.data_dir.parent / ".initdb-pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            # The postgres user must reach the data folder and read the one-time password file.
            for parent in [self.data_dir, *self.data_dir.parents]:
                if parent == Path("/"):
                    break
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
            shutil.chown(self.data_dir, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            subprocess.run(_as_engine_user([
                _pg_bin("initdb"), "-D", str(self.data_dir), "-U", self.user, "--pwfile", str(pwfile),
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
            ]), check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            raise StackError(f"initdb failed: {exc.stderr.decode(errors='replace')[-800:]}") from None
        finally:
            pwfile.unlink(missing_ok=True)

    def _wait_ready(self) -> None:
        import psycopg2

        deadline = time.monotonic() + ENGINE_TIMEOUT_S
        password = self.password_file.read_text().strip()
        while True:
            try:
                conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, password=password,
                                        dbname="postgres", connect_timeout=3)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {self.database}")
        conn.close()


class LocalRedis(Engine):
    """A private Redis (no persistence: locks only live as long as a turn)."""

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/1"

    def start(self) -> "LocalRedis":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        redis = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(redis).exists():
            raise StackError(f"redis-server not found: apt-get install {' '.join(DEBIAN_PACKAGES)} (make scale does)")
        self._spawn([redis, "--port", str(self.port), "--bind", self.host, "--dir", str(self.data_dir),
                     "--save", "", "--appendonly", "no", "--protected-mode", "yes"], "redis")
        return self


NGINX_CONF = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 1m;
    upstream rasa {{
{servers}
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://rasa;
            # No upstream keep-alive: a replica that died is then seen as "connection refused"
            # before anything is sent, and the buyer's message goes to the next replica; on a
            # kept-alive connection nginx would have sent it already and could not retry a POST.
            proxy_read_timeout 60s;
            # A replica that refuses the connection (restarting) gets no request: try the next.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
        }}
    }}
}}
"""


class Nginx(Engine):
    """nginx (Debian's nginx-light) balancing round-robin over the Rasa replicas."""

    upstreams: Sequence[int] = ()

    def start(self) -> "Nginx":
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise StackError(f"nginx not found: apt-get install {' '.join(DEBIAN_PACKAGES)} (make scale does)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server {self.host}:{p} max_fails=1 fail_timeout=2s;" for p in self.upstreams)
        conf = self.data_dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(prefix=self.data_dir, servers=servers, host=self.host, port=self.port))
        self._spawn([nginx, "-p", str(self.data_dir), "-c", str(conf), "-e", str(self.data_dir / "error.log"),
                     "-g", "daemon off;"], "nginx")
        return self


# -- Rasa endpoint variables -----------------------------------------------------------------------

def endpoint_environment(database_url: str, redis_url: str) -> Dict[str, str]:
    """The ``KEFU_TRACKER_*``/``KEFU_REDIS_*`` variables endpoints.scale.yml reads, from two URLs."""
    pg = urlsplit(database_url.replace("postgresql+psycopg2://", "postgresql://", 1))
    redis = urlsplit(redis_url)
    if redis.scheme != "redis":
        raise StackError(f"KEFU_REDIS_URL must look like redis://host:port/db, got {redis_url!r}")
    return {
        "KEFU_TRACKER_HOST": pg.hostname or "127.0.0.1",
        "KEFU_TRACKER_PORT": str(pg.port or 5432),
        "KEFU_TRACKER_DBNAME": pg.path.lstrip("/") or "kefu",
        "KEFU_TRACKER_USER": unquote(pg.username or ""),
        "KEFU_TRACKER_PASSWORD": unquote(pg.password or ""),  # Rasa quotes it again for SQLAlchemy
        "KEFU_REDIS_HOST": redis.hostname or "127.0.0.1",
        "KEFU_REDIS_PORT": str(redis.port or 6379),
        "KEFU_REDIS_DB": redis.path.lstrip("/") or "1",
    }


# -- the scaled stack ------------------------------------------------------------------------------

class ScaleStack(Stack):
    """Actions (+ web) once, ``replicas`` Rasa processes on PostgreSQL/Redis, nginx in front.

    ``settings.rasa_port`` is the load balancer's port, so clients (`kefu chat`, replay,
    the web app) talk to the replicas through it without knowing how many there are.
    """

    def __init__(self, settings: Optional[Settings] = None, *, replicas: int = 2, with_web: bool = False,
                 engines_dir: Optional[Path] = None, patched: bool = True,
                 port_base: Optional[int] = None) -> None:
        super().__init__(settings, with_web=with_web)
        if replicas < 1:
            raise StackError("replicas must be at least 1")
        self.replicas = replicas
        self.patched = patched
        self.engines_dir = engines_dir or self.settings.state_dir / "engines"
        self.engines: List[Engine] = []
        # port_base: replicas on port_base.., then PostgreSQL and Redis; else free ports.
        self.port_base = port_base
        if port_base:
            self.replica_ports = [port_base + i for i in range(replicas)]
        else:
            self.replica_ports = [free_port(self.settings.host) for _ in range(replicas)]
        self.database_url = self.settings.database_url or ""
        self.redis_url = self.settings.redis_url or ""

    def rasa_service(self, index: int) -> Service:
        s = self.settings
        port = self.replica_ports[index]
        # kefu's launcher reads the API token from the state folder: never on a command line.
        launcher = ["-m", "kefu_rasa.launch"] if self.patched else ["-m", "rasa"]
        token = [] if self.patched else ["--auth-token", self.token]
        return Service(
            f"rasa-{index + 1}",
            [sys.executable, *launcher, "run", "--model", str(model_file(s)), "--endpoints", SCALE_ENDPOINTS,
             "--credentials", "credentials.yml", "--enable-api", *token,
             "--interface", s.host, "--port", str(port)],
            f"http://{s.host}:{port}/status?token={self.token}",
            port,
            timeout_s=RASA_STARTUP_TIMEOUT_S,
        )

    def start(self) -> "ScaleStack":
        if not model_file(self.settings).exists():
            raise StackError("no trained model at models/kefu.tar.gz: run `make train`")
        self.token = ensure_api_token(self.settings)
        try:
            self._start_engines()
            from kefu.servers.auth import TOKEN_ENV as SERVICE_TOKEN_ENV, ensure_service_token

            env = service_environment(self.settings)
            env.update(KEFU_DATABASE_URL=self.database_url, KEFU_REDIS_URL=self.redis_url,
                       **endpoint_environment(self.database_url, self.redis_url))
            # One internal-services token for the action server and every replica.
            env[SERVICE_TOKEN_ENV] = ensure_service_token(self.settings)
            self.env = env
            self.log_dir.mkdir(parents=True, exist_ok=True)
            front = [svc for svc in self.build_services() if not svc.name.startswith("rasa")]
            rasas = [self.rasa_service(i) for i in range(self.replicas)]
            self.services = front + rasas
            for service in front:
                self._spawn(service, env)
            for service in front:
                self._wait_healthy(service)
            for service in rasas:  # all load their model at once: start-up ~ one replica's
                self._spawn(service, env)
            for service in rasas:
                self._wait_healthy(service)
            balancer = Nginx("nginx", self.engines_dir / "nginx", port=self.settings.rasa_port)
            balancer.upstreams = self.replica_ports
            self.engines.append(balancer.start())
        except BaseException:
            self.stop()
            raise
        return self

    def _start_engines(self) -> None:
        extra = {"port": self.port_base + self.replicas} if self.port_base else {}
        if not self.database_url:
            pg = LocalPostgres("postgres", self.engines_dir / "pgdata", **extra)
            self.engines.append(pg.start())
            self.database_url = pg.url
        if not self.redis_url:
            extra = {"port": self.port_base + self.replicas + 1} if self.port_base else {}
            redis = LocalRedis("redis", self.engines_dir / "redis", **extra)
            self.engines.append(redis.start())
            self.redis_url = redis.url

    def kill_replica(self, index: int, *, crash: bool = True) -> None:
        """Stop replica ``index``: SIGKILL by default (a crash), SIGTERM with ``crash=False``."""
        service = self.services[-self.replicas + index]
        if service.running:
            os.killpg(service.process.pid, signal.SIGKILL if crash else signal.SIGTERM)
            service.process.wait()

    def start_replica(self, index: int) -> None:
        """Start replica ``index`` again and wait until it answers (it loads its model: ~30-90 s)."""
        service = self.services[-self.replicas + index]
        self._spawn(service, self.env)
        self._wait_healthy(service)

    def restart_replica(self, index: int, *, crash: bool = True) -> None:
        self.kill_replica(index, crash=crash)
        self.start_replica(index)

    def stop(self) -> None:
        super().stop()
        for engine in reversed(self.engines):
            engine.stop()
        self.engines = []

    def banner(self) -> str:
        s = self.settings
        return "\n".join([
            "",
            f"kefu is running with {self.replicas} Rasa replica(s) behind nginx.",
            f"  Rasa REST channel  {s.rasa_url}/webhooks/rest/webhook  (nginx)",
            *(f"  replica {i + 1}          http://{s.host}:{p}" for i, p in enumerate(self.replica_ports)),
            f"  tracker store      PostgreSQL {self.database_url.split('@')[-1]}",
            f"  lock store         Redis {self.redis_url.split('@')[-1]}",
            f"Logs: {self.log_dir}/   Stop: Ctrl-C",
        ])


def cmd_scale(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        stack = ScaleStack(settings, replicas=args.replicas, with_web=args.web,
                           port_base=args.port_base or settings.rasa_port + 1)
        print(f"Starting kefu with {args.replicas} Rasa replicas (PostgreSQL, Redis, nginx) ...", flush=True)
        stack.start()
    except StackError as exc:
        raise CommandError(str(exc)) from None
    print(stack.banner(), flush=True)
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        while not stopping:
            dead = stack.dead_services()
            if dead:
                for service in dead:
                    print(f"\n{service.name} stopped unexpectedly.\n{stack.log_tail(service.name)}", file=sys.stderr)
                return 1
            time.sleep(1)
    finally:
        print("\nStopping kefu ...", flush=True)
        stack.stop()
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    scale = subparsers.add_parser("scale", help="start N Rasa replicas behind nginx on PostgreSQL + Redis (make scale)")
    scale.add_argument("--replicas", type=int, default=2, help="number of Rasa processes (default 2)")
    scale.add_argument("--web", action="store_true", help="also start the agent console and web chat")
    scale.add_argument("--port-base", type=int, help="replicas on PORT_BASE.., then PostgreSQL, Redis "
                       "(default: KEFU_RASA_PORT + 1; nginx listens on KEFU_RASA_PORT)")
    scale.set_defaults(func=cmd_scale)


__all__: Sequence[str] = ("ScaleStack", "LocalPostgres", "LocalRedis", "Nginx", "endpoint_environment")
