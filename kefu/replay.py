"""Replay scripted conversations against the live stack and show what the buyer reads.

Rasa's test stories do not run custom actions, so they cannot see the text an
action sends. ``kefu replay`` can: it talks to the real Rasa server (which calls
the real action server) over the REST channel, turn by turn, and
compares what comes back with what the script expects.

Script format (YAML, one conversation per file, or a list under ``conversations:``)::

    name: 库存：先问颜色尺码，再按库存回答
    metadata: {platform: pinduoduo, product_id: p1002}   # sent with every turn
    turns:
      - user: 这件卫衣有货吗
        bot:                       # every item must match the bot's reply (all messages of the turn)
          - 颜色                   #   plain string: substring
          - {regex: "尺码|码数"}   #   regex: re.search
        bot_not: [宝贝]            # none of these may appear
      - user: 黑色 L码
        metadata: {product_id: p1002}   # merged over the conversation's metadata
        bot: [{regex: "有货|仅剩|售罄"}]
      - user: 还在吗
        silent: true               # the bot must say nothing (e.g. paused for a human)
      - agent: {reply: "亲，您好，我是人工客服小林"}    # a human agent's step, through the console API
        bot: [人工客服小林]        # ...and what the buyer then sees
      - agent: {close: resolved}   # close the ticket: the bot takes over again

A failing turn prints the conversation so far and, for each expectation, whether
it matched, with the actual reply, so the reason is readable without a debugger.

Shop facts: with ``--facts FILE`` (a YAML mapping), ``{{key}}`` and ``{{group.key}}`` in
any user text, metadata value or expectation are replaced by the shop's value, so one
suite checks the answers of any shop whose facts file says what they must contain
(``tests/conversations/``: the sample shop and a generated second shop). A turn may say
``questions: 2``: the number of questions it asks, for the multi-question score.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import yaml
from kefu.stack import send_rest_message
from kefu.cli import CommandError
from kefu.settings import Settings
from kefu.stack import Stack, StackError, http_ok
from kefu.handoff.replay_agent import ConsoleAgent
from kefu.cli import main as cli_main

Expectation = Union[str, Dict[str, str]]


class ReplayFormatError(ValueError):
    """A script is not in the replay format; the message names the file and the turn."""


@dataclass
class Turn:
    user: Optional[str] = None
    agent: Optional[Dict[str, Any]] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    bot: List[Expectation] = field(default_factory=list)
    bot_not: List[Expectation] = field(default_factory=list)
    silent: bool = False
    questions: int = 1


@dataclass
class Conversation:
    name: str
    source: str
    metadata: Dict[str, Any]
    turns: List[Turn]


@dataclass
class TurnOutcome:
    index: int
    turn: Turn
    replies: List[str]
    problems: List[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ConversationResult:
    conversation: Conversation
    sender: str
    outcomes: List[TurnOutcome] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(o.ok for o in self.outcomes)


# -- loading -------------------------------------------------------------------------
def _expectations(raw: Any, where: str) -> List[Expectation]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    checked: List[Expectation] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)  # YAML reads an unquoted number sequence as an int
        if isinstance(item, str) and item:
            checked.append(item)
        elif isinstance(item, dict) and set(item) == {"regex"} and isinstance(item["regex"], str):
            try:
                re.compile(item["regex"])
            except re.error as exc:
                raise ReplayFormatError(f"{where}: bad regex {item['regex']!r}: {exc}") from None
            checked.append(item)
        else:
            raise ReplayFormatError(f"{where}: an expectation is a non-empty string or {{regex: ...}}, got {item!r}")
    return checked


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict):
        raise ReplayFormatError(f"{where}: a turn is a mapping with `user:` or `agent:`")
    unknown = set(raw) - {"user", "agent", "metadata", "bot", "bot_not", "silent", "questions"}
    if unknown:
        raise ReplayFormatError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    has_user, has_agent = "user" in raw, "agent" in raw
    if has_user == has_agent:
        raise ReplayFormatError(f"{where}: a turn has exactly one of `user:` or `agent:`")
    if has_user and not isinstance(raw["user"], (str, int, float)):
        raise ReplayFormatError(f"{where}: `user:` must be the buyer's text")
    if has_agent and not (isinstance(raw["agent"], dict) and set(raw["agent"]) <= {"reply", "close"} and raw["agent"]):
        raise ReplayFormatError(f"{where}: `agent:` is {{reply: TEXT}} or {{close: OUTCOME}}")
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ReplayFormatError(f"{where}: `metadata:` must be a mapping")
    turn = Turn(
        user=str(raw["user"]) if has_user else None,
        agent=raw.get("agent"),
        metadata=metadata,
        bot=_expectations(raw.get("bot"), where),
        bot_not=_expectations(raw.get("bot_not"), where),
        silent=bool(raw.get("silent", False)),
        questions=int(raw.get("questions", 1)) if str(raw.get("questions", 1)).isdigit() else 1,
    )
    if turn.silent and turn.bot:
        raise ReplayFormatError(f"{where}: `silent: true` and `bot:` contradict each other")
    return turn


_FACT = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def render_facts(value: Any, facts: Dict[str, Any], where: str, in_regex: bool = False) -> Any:
    """Replace ``{{key}}`` / ``{{group.key}}`` in strings (recursively) with the shop's facts."""
    if isinstance(value, list):
        return [render_facts(item, facts, where, in_regex) for item in value]
    if isinstance(value, dict):
        return {k: render_facts(v, facts, where, in_regex or k == "regex") for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def lookup(match: "re.Match[str]") -> str:
        node: Any = facts
        for part in match.group(1).split("."):
            if not isinstance(node, dict) or part not in node:
                raise ReplayFormatError(f"{where}: no shop fact {match.group(1)!r}")
            node = node[part]
        return re.escape(str(node)) if in_regex else str(node)

    return _FACT.sub(lookup, value)


def load_conversations(path: Path, facts: Optional[Dict[str, Any]] = None) -> List[Conversation]:
    """Read one replay file; raise ReplayFormatError naming the file and turn on any mistake."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ReplayFormatError(f"{path}: not valid YAML: {exc}") from None
    if facts is not None:
        data = render_facts(data, facts, str(path))
    elif _FACT.search(Path(path).read_text(encoding="utf-8")):
        raise ReplayFormatError(f"{path}: uses {{{{shop facts}}}}: run it with --facts FILE")
    raw_conversations = data.get("conversations") if isinstance(data, dict) and "conversations" in data else [data]
    if not isinstance(raw_conversations, list) or not raw_conversations:
        raise ReplayFormatError(f"{path}: no conversation found")
    conversations = []
    for number, raw in enumerate(raw_conversations, 1):
        where = f"{path}" + (f" conversation {number}" if len(raw_conversations) > 1 else "")
        if not isinstance(raw, dict) or not isinstance(raw.get("turns"), list) or not raw["turns"]:
            raise ReplayFormatError(f"{where}: needs a non-empty `turns:` list")
        metadata = raw.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ReplayFormatError(f"{where}: `metadata:` must be a mapping")
        turns = [_turn(t, f"{where} turn {i}") for i, t in enumerate(raw["turns"], 1)]
        conversations.append(Conversation(str(raw.get("name") or Path(path).stem), str(path), metadata, turns))
    return conversations


# -- checking ------------------------------------------------------------------------
def _describe(expectation: Expectation) -> str:
    return f"/{expectation['regex']}/" if isinstance(expectation, dict) else repr(expectation)


def _matches(expectation: Expectation, text: str) -> bool:
    if isinstance(expectation, dict):
        return re.search(expectation["regex"], text) is not None
    return expectation in text


def check_turn(turn: Turn, replies: Sequence[str]) -> List[str]:
    """Problems with one turn's replies (empty when everything expected was there)."""
    combined = "\n".join(replies)
    problems = []
    if turn.silent and replies:
        problems.append("expected the bot to stay silent")
    if not turn.silent and turn.user is not None and not replies:
        problems.append("the bot sent nothing (is the action server up?)")
    if any(not r.strip() for r in replies):
        problems.append("the bot sent an empty message")
    problems += [f"missing {_describe(e)}" for e in turn.bot if not _matches(e, combined)]
    problems += [f"must not contain {_describe(e)}" for e in turn.bot_not if _matches(e, combined)]
    return problems


# -- running -------------------------------------------------------------------------
UserSender = Callable[[str, str, Dict[str, Any]], List[dict]]
AgentStep = Callable[[str, Dict[str, Any]], List[str]]


def replay_conversation(
    conversation: Conversation,
    send_user: UserSender,
    agent_step: Optional[AgentStep] = None,
    sender: Optional[str] = None,
    keep_going: bool = False,
) -> ConversationResult:
    """Play every turn; a buyer turn's replies are what Rasa returns, an agent turn's are what it pushed.
    A failed turn ends the conversation unless ``keep_going`` (to score every turn of a suite)."""
    sender = sender or f"replay-{Path(conversation.source).stem}-{uuid.uuid4().hex[:8]}"
    result = ConversationResult(conversation, sender)
    for index, turn in enumerate(conversation.turns, 1):
        try:
            if turn.user is not None:
                metadata = {**conversation.metadata, **turn.metadata}
                messages = send_user(sender, turn.user, metadata)
                # What a person sent is handed to a REST buyer with their next answer (custom.kefu_agent,
                # docs/workbench.md channel contract); the agent step checked it already: not the bot's reply.
                replies = [str(m.get("text") or "") for m in messages
                           if ("text" in m or not m.get("image")) and not (m.get("custom") or {}).get("kefu_agent")]
            else:
                if agent_step is None:
                    raise RuntimeError("this script has agent steps; run it with the web app up (kefu replay --start)")
                replies = agent_step(sender, turn.agent or {})
        except Exception as exc:  # one broken turn fails the conversation, readable, and replay goes on
            result.error = f"turn {index}: {type(exc).__name__}: {exc}"
            break
        outcome = TurnOutcome(index, turn, replies, check_turn(turn, replies))
        result.outcomes.append(outcome)
        if not outcome.ok and not keep_going:
            break
    return result


@dataclass
class SuiteScore:
    """Buyer turns answered right, overall and among turns asking two or more questions."""

    turns: int = 0
    correct: int = 0
    multi: int = 0
    multi_correct: int = 0

    def add(self, result: ConversationResult) -> None:
        for outcome in result.outcomes:
            if outcome.turn.user is None:
                continue
            self.turns += 1
            self.correct += outcome.ok
            if outcome.turn.questions >= 2:
                self.multi += 1
                self.multi_correct += outcome.ok

    @property
    def share(self) -> float:
        return self.correct / self.turns if self.turns else 0.0

    @property
    def multi_share(self) -> float:
        return self.multi_correct / self.multi if self.multi else 0.0

    def line(self) -> str:
        return (f"turns answered correctly: {self.correct}/{self.turns} ({self.share:.1%}); "
                f"multi-question turns answered fully: {self.multi_correct}/{self.multi} ({self.multi_share:.1%})")


def format_result(result: ConversationResult) -> str:
    """A readable account: the transcript so far, and what went wrong where."""
    conv = result.conversation
    mark = "PASS" if result.ok else "FAIL"
    lines = [f"{mark} {conv.name}  ({conv.source}, sender {result.sender})"]
    if result.ok:
        return lines[0]
    for outcome in result.outcomes:
        turn = outcome.turn
        who = f"买家: {turn.user}" if turn.user is not None else f"人工: {turn.agent}"
        lines.append(f"  [{outcome.index}] {who}")
        for reply in outcome.replies or ["(nothing)"]:
            lines.append(f"        客服: {reply}")
        if not outcome.ok:
            lines.append("      expected:")
            for e in turn.bot:
                lines.append(f"        {'✓' if _matches(e, chr(10).join(outcome.replies)) else '✗'} contains {_describe(e)}")
            for e in turn.bot_not:
                lines.append(f"        {'✗' if _matches(e, chr(10).join(outcome.replies)) else '✓'} not {_describe(e)}")
            if turn.silent:
                lines.append(f"        {'✗' if outcome.replies else '✓'} silence")
            lines.append("      problems: " + "; ".join(outcome.problems))
    if result.error:
        lines.append(f"  error: {result.error}")
    return "\n".join(lines)


def iter_script_files(paths: Iterable[str]) -> List[Path]:
    files: List[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.yml"))
        else:
            files.append(path)
    return files


def rest_sender(rasa_url: str, token: Optional[str] = None) -> UserSender:
    """Turns over the REST channel as the shop's own integration: with the shop's API token (read from
    the state folder when not given), so a script's ``order_id`` metadata counts as the channel's link."""
    if token is None:
        from kefu.settings import Settings

        token_file = Settings.from_env().token_file
        token = token_file.read_text().strip() if token_file.exists() else None
    return lambda sender, text, metadata: send_rest_message(rasa_url, sender, text, metadata, token=token)


def run_files(
    files: Sequence[Path],
    send_user: UserSender,
    agent_step: Optional[AgentStep] = None,
    out: Callable[[str], None] = print,
    facts: Optional[Dict[str, Any]] = None,
    score: Optional[SuiteScore] = None,
) -> Tuple[int, int]:
    """Replay every conversation of every file; return (passed, failed). With ``score``, every
    turn is played and counted even after a failed one."""
    passed = failed = 0
    for path in files:
        try:
            conversations = load_conversations(path, facts)
        except ReplayFormatError as exc:
            out(f"FAIL {path}: {exc}")
            failed += 1
            continue
        for conversation in conversations:
            result = replay_conversation(conversation, send_user, agent_step, keep_going=score is not None)
            if score is not None:
                score.add(result)
            out(format_result(result))
            passed, failed = (passed + 1, failed) if result.ok else (passed, failed + 1)
    return passed, failed


def cmd_replay(args: argparse.Namespace) -> int:
    files = iter_script_files(args.files)
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}")
    if not files:
        raise CommandError("no replay scripts found")
    settings = Settings.from_env()
    rasa_url = args.url or settings.rasa_url
    stack: Optional[Stack] = None
    if not http_ok(f"{rasa_url}/"):
        if not args.start:
            raise CommandError(f"nothing answers at {rasa_url}: start kefu (make run) or pass --start")
        print("Starting kefu for the replay ...", flush=True)
        stack = Stack(settings)
        try:
            stack.start()
        except StackError as exc:
            raise CommandError(str(exc)) from None
    facts = None
    if args.facts:
        try:
            facts = yaml.safe_load(Path(args.facts).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CommandError(f"cannot read the facts file {args.facts}: {exc}") from None
        if not isinstance(facts, dict):
            raise CommandError(f"{args.facts}: the facts file must be a YAML mapping")
    score = SuiteScore() if args.score else None
    try:
        agent_step = _agent_stepper(settings, args)
        passed, failed = run_files(files, rest_sender(rasa_url), agent_step, facts=facts, score=score)
    finally:
        if stack:
            stack.stop()
    if score is not None:
        print(f"replay: {score.line()}")
    print(f"replay: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def _agent_stepper(settings: Any, args: argparse.Namespace) -> Optional[AgentStep]:
    """Agent steps go through the agent console's HTTP API (needs an agent login)."""
    if not (args.agent and args.agent_password_file):
        return None

    password = Path(args.agent_password_file).read_text().strip()
    return ConsoleAgent(settings.web_url, args.agent, password, rasa_url=args.url or settings.rasa_url).step


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("replay", help="replay scripted conversations against the live stack")
    parser.add_argument("files", nargs="+", help="replay scripts (.yml) or folders of them")
    parser.add_argument("--url", help="Rasa server URL (default: from settings)")
    parser.add_argument("--start", action="store_true", help="start the stack when nothing answers")
    parser.add_argument("--agent", help="console agent name for `agent:` steps")
    parser.add_argument("--agent-password-file", help="file holding that agent's password")
    parser.add_argument("--facts", help="YAML file of shop facts filling {{key}} placeholders in the scripts")
    parser.add_argument("--score", action="store_true", help="play every turn and print the share answered correctly")
    parser.set_defaults(func=cmd_replay)


def main(argv: Optional[List[str]] = None) -> int:  # pragma: no cover - convenience

    return cli_main(["replay", *(argv if argv is not None else sys.argv[1:])])
