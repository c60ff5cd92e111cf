"""Start Rasa with kefu's patches: ``python -m kefu_rasa.launch run ...`` = ``rasa run ...``.

The arguments are Rasa's own; the only difference from the ``rasa`` script is that
:func:`kefu_rasa.patches.apply_all` runs first. (Minimal version for issue 11's
measurements; developer h9's launcher supersedes it when the branches are merged.)
"""

from __future__ import annotations

import logging
import sys


def main() -> None:
    from kefu_rasa import patches

    patches.apply_all()
    logging.getLogger(__name__).info("kefu patches applied: %s", ", ".join(patches.applied()))
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
