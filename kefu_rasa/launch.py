"""Start Rasa with kefu's patches: ``python -m kefu_rasa.launch run ...`` = ``rasa run ...``.

The arguments are Rasa's own; the only difference from the ``rasa`` script is that
:func:`kefu_rasa.patches.apply_all` runs first. ``--profile FILE`` (before Rasa's
arguments) arms cProfile: SIGUSR1 starts profiling (so a warmed-up server is
measured, not its start-up and TensorFlow's first graph tracing), SIGUSR2 stops it
and writes the stats to FILE. ``make profile`` drives it. (Minimal version for issue 11's
measurements; developer h9's launcher supersedes it when the branches are merged.)
"""

from __future__ import annotations

import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    profile_path = None
    if args[:1] == ["--profile"] and len(args) >= 2:
        profile_path, args = args[1], args[2:]

    from kefu_rasa import patches

    patches.apply_all()
    print(f"kefu patches applied: {', '.join(patches.applied())}", file=sys.stderr, flush=True)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    if profile_path is None:
        rasa_main()
        return
    import cProfile
    import signal

    profiler = cProfile.Profile()

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(profile_path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    rasa_main()


if __name__ == "__main__":
    main()
