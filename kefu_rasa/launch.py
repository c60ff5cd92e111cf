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
* ``--profile FILE`` (before Rasa's arguments) arms cProfile: SIGUSR1 starts profiling (so a
  warmed-up server is measured, not its start-up), SIGUSR2 stops it and writes the stats to
  FILE. ``make profile`` drives it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

LOGGING_CONFIG = Path(__file__).with_name("logging.yml")
TOKEN_ENV = "KEFU_RASA_API_TOKEN"
# Largest HTTP body Rasa's server reads at all (channels refuse far less themselves).
REQUEST_MAX_BYTES = 2 * 1024 * 1024


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
    if profile_path is not None:
        _arm_profiler(profile_path)
    rasa_main()


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
