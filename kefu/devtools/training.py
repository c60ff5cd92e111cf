"""Train the model only when its inputs changed.

The fingerprint is a SHA-256 over config.yml, domain.yml and every file under
data/ (names and contents). It is stored beside the model; `make run` and
`make test` call this on every run, and it trains only when the fingerprint of
the inputs differs from the one the newest model was trained from.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Optional

from kefu.settings import PROJECT_ROOT

MODEL_DIR_NAME = "models"
FINGERPRINT_FILE = ".kefu-fingerprint"
MODEL_NAME = "kefu"


def training_inputs(root: Path) -> List[Path]:
    files = [root / "config.yml", root / "domain.yml"]
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    return files


def fingerprint(files: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def model_path(root: Path) -> Path:
    return root / MODEL_DIR_NAME / f"{MODEL_NAME}.tar.gz"


def needs_training(root: Path) -> bool:
    model = model_path(root)
    stored = root / MODEL_DIR_NAME / FINGERPRINT_FILE
    if not model.exists() or not stored.exists():
        return True
    return stored.read_text().strip() != fingerprint(training_inputs(root), root)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="train even when nothing changed")


def run(args: argparse.Namespace, root: Optional[Path] = None) -> int:
    root = root or PROJECT_ROOT
    if not args.force and not needs_training(root):
        print(f"Model is up to date ({model_path(root).relative_to(root)}); not training.")
        return 0
    current = fingerprint(training_inputs(root), root)
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa), "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", MODEL_DIR_NAME, "--fixed-model-name", MODEL_NAME,
    ]
    print("Training the model (inputs changed):", " ".join(command[1:]), flush=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(command, cwd=root, env=env)
    if result.returncode != 0:
        print("Training failed; see the output above.", file=sys.stderr)
        return result.returncode
    (root / MODEL_DIR_NAME / FINGERPRINT_FILE).write_text(current + "\n")
    return 0
