"""``kefu check`` and ``kefu lint``: the guard on the command line.

``kefu lint`` checks a 话术 library before it goes live: .txt (one message a
line), .csv (``--column``), domain.yml (its responses) or any other YAML file
(every string value, e.g. ``kefu/*/replies.yml``). Exit status: 0 clean,
1 something flagged, 2 usage or file error.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Sequence, TextIO

import yaml

from kefu.guard._engine import Guard, GuardResult
from kefu.guard._errors import GuardError
from kefu.settings import PLATFORMS
from kefu.cli import CommandError

# Keys of a response variation that never reach a buyer.
_NOT_TEXT_KEYS = {"condition", "payload", "channel", "image", "metadata", "type", "name", "value", "id", "url"}


@dataclass(frozen=True)
class Message:
    file: str
    line: int
    text: str


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser("check", help="check one text against a platform's rule pack")
    _platform_options(check)
    check.add_argument("text", help="the message to check")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(func=run_check)

    lint = subparsers.add_parser("lint", help="check a script library (.txt, .csv, domain.yml, any .yml)")
    _platform_options(lint)
    lint.add_argument("files", nargs="+", metavar="FILE")
    lint.add_argument("--format", choices=("text", "jsonl", "html"), default="text")
    lint.add_argument("--column", default="text", help="CSV column holding the messages (default: text)")
    lint.add_argument("--output", "-o", help="write the report here instead of stdout")
    lint.set_defaults(func=run_lint)


def _platform_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--platform", choices=PLATFORMS + ("tmall",), help="the platform whose rules apply")
    group.add_argument("--all-platforms", action="store_true", help="check against every platform's pack")


def _guards(args: argparse.Namespace) -> List[Guard]:
    platforms = PLATFORMS if args.all_platforms else (args.platform,)
    try:
        return [Guard.for_platform(platform) for platform in platforms]
    except GuardError as exc:
        raise CommandError(str(exc)) from exc


def run_check(args: argparse.Namespace) -> int:
    results = [guard.check(args.text) for guard in _guards(args)]
    for result in results:
        if args.format == "json":
            print(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            print(f"[{result.platform}] {result.verdict}")
            for v in result.violations:
                print(f"  {v.category}: {v.term} {v.matched!r} at {v.start}-{v.end} -> {v.action}")
            if result.rewritten is not None:
                print(f"  rewritten: {result.rewritten}")
    return 0 if all(r.passed for r in results) else 1


# -- reading script libraries ----------------------------------------------------------------------
def read_messages(path: Path, column: str = "text") -> List[Message]:
    """Messages of one file; raises CommandError with a one-line reason when it cannot."""
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if not path.is_file():
        raise CommandError(f"{path}: not a file")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read ({exc})") from exc
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return list(_yaml_messages(path, content))
    if suffix == ".csv":
        reader = csv.DictReader(content.splitlines())
        if column not in (reader.fieldnames or []):
            raise CommandError(f"{path}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})")
        return [Message(str(path), number, row[column]) for number, row in enumerate(reader, start=2)
                if (row.get(column) or "").strip()]
    return [Message(str(path), number, line.strip()) for number, line in enumerate(content.splitlines(), start=1)
            if line.strip()]


def _yaml_messages(path: Path, content: str) -> Iterator[Message]:
    try:
        root = yaml.compose(content)
    except yaml.YAMLError as exc:
        raise CommandError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from exc
    if root is None:
        return
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "responses":  # a Rasa domain: only what buyers read
                yield from _string_leaves(path, value, skip=_NOT_TEXT_KEYS)
                return
    yield from _string_leaves(path, root, skip=set())


def _string_leaves(path: Path, node: yaml.Node, skip: set) -> Iterator[Message]:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str" and node.value.strip():
            yield Message(str(path), node.start_mark.line + 1, node.value.strip())
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _string_leaves(path, item, skip)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in skip:
                continue
            yield from _string_leaves(path, value, skip)


# -- lint ------------------------------------------------------------------------------------------
def run_lint(args: argparse.Namespace) -> int:
    guards = _guards(args)
    messages: List[Message] = []
    for name in args.files:
        messages.extend(read_messages(Path(name), args.column))
    rows = [(message, guard.check(message.text)) for message in messages for guard in guards]
    try:
        out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        raise CommandError(f"{args.output}: cannot write ({exc})") from exc
    try:
        {"text": _report_text, "jsonl": _report_jsonl, "html": _report_html}[args.format](rows, out)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0 if all(result.passed for _, result in rows) else 1


def _report_text(rows: Sequence[tuple], out: TextIO) -> None:
    flagged = 0
    for message, result in rows:
        if result.passed:
            continue
        flagged += 1
        print(f"{message.file}:{message.line}: [{result.platform}] {result.verdict}: {_short(message.text)}", file=out)
        for v in result.violations:
            print(f"    {v.category}: {v.matched!r} ({v.term}) -> {v.action}", file=out)
    checked = len({(m.file, m.line, m.text) for m, _ in rows})
    print(f"{checked} messages checked, {flagged} flagged", file=out)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _report_jsonl(rows: Sequence[tuple], out: TextIO) -> None:
    for message, result in rows:
        record = {"file": message.file, "line": message.line, "platform": result.platform, "text": message.text,
                  "verdict": result.verdict, "violations": [v.as_dict() for v in result.violations],
                  "rewritten": result.rewritten}
        print(json.dumps(record, ensure_ascii=False), file=out)


def highlight(result: GuardResult) -> str:
    """The text, HTML-escaped, with each violation wrapped in <mark title=category>."""
    parts: List[str] = []
    position = 0
    for v in sorted(result.violations, key=lambda v: (v.start, -v.end)):
        if v.start < position:
            continue  # overlapping hit of another category: already inside a mark
        parts.append(html.escape(result.text[position:v.start]))
        parts.append(f'<mark class="{html.escape(v.category)}" title="{html.escape(v.category)}: '
                     f'{html.escape(v.term)} ({v.action})">{html.escape(result.text[v.start:v.end])}</mark>')
        position = v.end
    parts.append(html.escape(result.text[position:]))
    return "".join(parts)


def _report_html(rows: Sequence[tuple], out: TextIO) -> None:
    flagged = [(m, r) for m, r in rows if not r.passed]
    out.write("<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>kefu lint</title>\n"
              "<style>body{font-family:sans-serif;margin:2em} td{border-bottom:1px solid #ddd;padding:4px;"
              "vertical-align:top} mark{background:#ffd54f} mark.personal_data{background:#90caf9}"
              " .blocked{color:#b71c1c} .rewritten{color:#e65100}</style></head><body>\n")
    out.write(f"<h1>kefu lint</h1><p>{len(rows)} checks, {len(flagged)} flagged</p>\n<table>\n"
              "<tr><th>file:line</th><th>platform</th><th>verdict</th><th>message</th><th>rewritten</th></tr>\n")
    for message, result in flagged:
        out.write(f"<tr><td>{html.escape(message.file)}:{message.line}</td><td>{result.platform}</td>"
                  f"<td class=\"{result.verdict}\">{result.verdict}</td><td>{highlight(result)}</td>"
                  f"<td>{html.escape(result.rewritten or '')}</td></tr>\n")
    out.write("</table></body></html>\n")
