"""Start Rasa's CLI the kefu way: ``python -m kefu_rasa.launch run --model ... --enable-api``.

Why a launcher and not ``rasa run`` directly:

* the HTTP API token must never be on a command line (``ps`` shows it to every
  user of the machine): it is read here from ``KEFU_RASA_API_TOKEN`` or from the
  state folder's token file, and handed to Rasa's argument parser in-process;
* Rasa's logs go through ``kefu_rasa/logging.yml`` and every record is redacted
  where it is made (:mod:`kefu_rasa.logfilter`: no phone numbers, no tracker dumps);
* Sanic's request size limit is set before Rasa builds its app (a channel body is
  a few kilobytes; Sanic's default is 100 MB);
* ``kefu_rasa.patches.apply_all()`` runs before Rasa, the one place kefu patches it;
* the internal services' shared token is put into ``KEFU_SERVICE_TOKEN`` for
  ``endpoints.yml`` (in this process's environment only, not on a command line);
* under `kefu up`, Rasa serves on the listening socket `kefu up` owns and hands down
  (``KEFU_RASA_LISTEN_FD``), so a restart is never a refused connection; before it accepts,
  the agent is warmed (one NLU parse and one policy prediction on a tracker that is never
  stored), and once it accepts it writes its pid to ``KEFU_RASA_READY_FILE``, which is when
  `kefu up` stops the process it replaces (kefu/stack.py);
* ``--profile FILE`` (before Rasa's arguments) arms cProfile: SIGUSR1 starts profiling (so a
  warmed-up server is measured, not its start-up), SIGUSR2 stops it and writes the stats to
  FILE. ``make profile`` drives it.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from functools import partial
from pathlib import Path
from typing import Any, List, Optional, Sequence

LOGGING_CONFIG = Path(__file__).with_name("logging.yml")
TOKEN_ENV = "KEFU_RASA_API_TOKEN"
# Largest HTTP body Rasa's server reads at all (channels refuse far less themselves).
REQUEST_MAX_BYTES = 2 * 1024 * 1024
# Set by kefu.stack (LISTEN_FD_ENV, READY_FILE_ENV there): the inherited socket and the ready file.
LISTEN_FD_ENV = "KEFU_RASA_LISTEN_FD"
READY_FILE_ENV = "KEFU_RASA_READY_FILE"
WARM_UP_TEXT = "你好"
log = logging.getLogger("kefu_rasa.launch")


def api_token() -> Optional[str]:
    """The token from the environment, else from the state folder's token file; None without either."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    from kefu.settings import Settings

    path = Settings.from_env().token_file
    if path.exists():
        return path.read_text().strip() or None
    return None


def rasa_arguments(argv: Sequence[str]) -> List[str]:
    """``argv`` with the token and the logging config added (unless given), for Rasa's parser."""
    args = list(argv)
    if args and args[0] == "run":
        given = any(a == "--auth-token" or a.startswith("--auth-token=") for a in args)
        if not given and "--enable-api" in args:
            token = api_token()
            if not token:
                raise SystemExit(f"no API token: set {TOKEN_ENV} or run `kefu up` once to create one")
            # One argument, `--auth-token=...`: a random token may begin with "-" (token_urlsafe),
            # which argparse would read as an option and refuse to start.
            args.append(f"--auth-token={token}")
        if "--logging-config-file" not in args:
            args += ["--logging-config-file", str(LOGGING_CONFIG)]
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    from kefu.servers.auth import TOKEN_ENV as SERVICE_TOKEN_ENV, read_service_token
    from kefu.settings import Settings

    raw = list(sys.argv[1:] if argv is None else argv)
    profile_path = None
    if raw[:1] == ["--profile"] and len(raw) >= 2:
        profile_path, raw = raw[1], raw[2:]
    args = rasa_arguments(raw)
    os.environ.pop(TOKEN_ENV, None)  # not inherited by anything Rasa starts
    # endpoints.yml sends it to the action server (``token: ${KEFU_SERVICE_TOKEN}``).
    os.environ[SERVICE_TOKEN_ENV] = read_service_token(Settings.from_env())
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))
    from kefu_rasa import patches
    from kefu_rasa.logfilter import install_record_redaction

    install_record_redaction()
    patches.apply_all()
    print(f"kefu patches applied: {', '.join(patches.applied())}", file=sys.stderr, flush=True)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]  # argparse reads sys.argv; /proc/<pid>/cmdline keeps the original
    _serve_on_inherited_socket(os.environ.pop(LISTEN_FD_ENV, ""), os.environ.pop(READY_FILE_ENV, ""))
    if profile_path is not None:
        _arm_profiler(profile_path)
    rasa_main()


def _serve_on_inherited_socket(fd: str, ready_file: str) -> None:
    """Make Rasa's ``app.run`` serve on socket ``fd`` (inherited from `kefu up`) instead of binding its
    port, warm the agent before accepting, and write this pid to ``ready_file`` once accepting."""
    if not fd.isdigit():
        return
    from sanic import Sanic

    original = Sanic.run

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("host", None)
        kwargs.pop("port", None)
        kwargs["sock"] = socket.socket(fileno=int(fd))
        self.register_listener(_warm_up, "before_server_start")  # after Rasa's own agent loading
        if ready_file:
            self.register_listener(partial(_announce_ready, ready_file), "after_server_start")
        return original(self, *args, **kwargs)

    Sanic.run = run


async def _warm_up(app: Any, _loop: Any) -> None:
    """One parse and one prediction, so the first buyer after a restart does not pay for TensorFlow's
    first calls. Nothing is stored: the tracker lives only here. A failure only costs the warm-up."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return
    try:
        parsed = await agent.parse_message(WARM_UP_TEXT)
        tracker = DialogueStateTracker.from_events(
            "kefu-warm-up", [ActionExecuted(ACTION_LISTEN_NAME),
                             UserUttered(WARM_UP_TEXT, parsed.get("intent"), parsed.get("entities"), parsed)],
            slots=agent.domain.slots)
        agent.processor.predict_next_with_tracker(tracker)
    except Exception:  # noqa: BLE001 - never a reason not to serve
        log.exception("warm-up failed; serving cold")


async def _announce_ready(path: str, _app: Any, _loop: Any) -> None:
    tmp = Path(f"{path}.{os.getpid()}")
    tmp.write_text(str(os.getpid()))
    tmp.replace(path)


def _arm_profiler(path: str) -> None:
    import cProfile
    import signal

    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(path)

    signal.signal(signal.SIGUSR2, stop)


if __name__ == "__main__":
    main()
