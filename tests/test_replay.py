"""kefu replay: script loading, expectation checking and the readable failure report.

The end-to-end replays against the real stack run in tests/live/; here the runner
talks to a small HTTP server standing in for Rasa's REST channel (a dependency).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List

import pytest

from kefu import replay
from kefu.cli import main as kefu_main


@pytest.fixture()
def fake_rest() -> Iterator[tuple]:
    """Answers 有货 when the message mentions L, echoes metadata, stays silent on 'shh'."""
    received: List[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"Hello from Rasa")

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            text = body["message"]
            if "shh" in text:
                replies = []
            elif "L" in text:
                replies = [{"recipient_id": body["sender"], "text": "亲，黑色L码有货哦"}]
            else:
                replies = [{"recipient_id": body["sender"], "text": f"请问您要什么颜色和尺码呢？({body['metadata'].get('platform')})"}]
            payload = json.dumps(replies, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


def write(tmp_path: Path, text: str, name: str = "conv.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
name: stock flow
metadata: {platform: pinduoduo, product_id: p1002}
turns:
  - user: 有货吗
    bot: [颜色, {regex: "尺码|码数"}, pinduoduo]
    bot_not: [宝贝]
  - user: 黑色 L
    metadata: {platform: jd}
    bot: [有货]
  - user: shh
    silent: true
"""


def test_passing_conversation_sends_metadata_per_turn(tmp_path: Path, fake_rest: tuple) -> None:
    url, received = fake_rest
    passed, failed = replay.run_files([write(tmp_path, GOOD)], replay.rest_sender(url), out=lambda s: None)
    assert (passed, failed) == (1, 0)
    assert [r["message"] for r in received] == ["有货吗", "黑色 L", "shh"]
    assert received[0]["metadata"] == {"platform": "pinduoduo", "product_id": "p1002"}
    assert received[1]["metadata"] == {"platform": "jd", "product_id": "p1002"}
    assert len({r["sender"] for r in received}) == 1


def test_failure_report_shows_transcript_and_each_expectation(tmp_path: Path, fake_rest: tuple) -> None:
    url, _ = fake_rest
    script = write(tmp_path, """
name: wrong expectation
turns:
  - user: 有货吗
    bot: [颜色]
  - user: 黑色 L
    bot: [售罄, {regex: "有.货"}]
    bot_not: [有货]
  - user: never reached
""")
    lines: List[str] = []
    passed, failed = replay.run_files([script], replay.rest_sender(url), out=lines.append)
    assert (passed, failed) == (0, 1)
    report = lines[0]
    assert report.startswith("FAIL wrong expectation")
    assert "买家: 黑色 L" in report and "客服: 亲，黑色L码有货哦" in report
    assert "✗ contains '售罄'" in report
    assert "✗ not '有货'" in report
    assert "never reached" not in report  # replay stops at the first failing turn


def test_silence_and_empty_replies_are_checked() -> None:
    silent = replay.Turn(user="x", silent=True)
    assert replay.check_turn(silent, []) == []
    assert replay.check_turn(silent, ["hi"]) == ["expected the bot to stay silent"]
    talking = replay.Turn(user="x")
    assert "the bot sent nothing" in replay.check_turn(talking, [])[0]
    assert "the bot sent an empty message" in replay.check_turn(talking, [""])


@pytest.mark.parametrize(
    "text, message",
    [
        ("turns: []", "non-empty `turns:`"),
        ("turns:\n  - bot: [x]", "exactly one of `user:` or `agent:`"),
        ("turns:\n  - user: hi\n    bot: [{regex: '('}]", "bad regex"),
        ("turns:\n  - user: hi\n    bott: [x]", "unknown key(s) bott"),
        ("turns:\n  - user: hi\n    silent: true\n    bot: [x]", "contradict"),
        ("turns:\n  - agent: {dance: 1}", "{reply: TEXT}"),
        ("turns: [unclosed", "not valid YAML"),
        ("just text", "needs a non-empty `turns:`"),
    ],
)
def test_malformed_scripts_are_named_not_crashed(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(replay.ReplayFormatError) as info:
        replay.load_conversations(write(tmp_path, text))
    assert str(tmp_path / "conv.yml") in str(info.value)
    assert message in str(info.value)


def test_cli_exit_codes(tmp_path: Path, fake_rest: tuple, capsys: pytest.CaptureFixture) -> None:
    url, _ = fake_rest
    good = write(tmp_path, GOOD, "good.yml")
    assert kefu_main(["replay", "--url", url, str(good)]) == 0
    assert "replay: 1 passed, 0 failed" in capsys.readouterr().out
    bad = write(tmp_path, "turns:\n  - user: 黑色 L\n    bot: [售罄]\n", "bad.yml")
    assert kefu_main(["replay", "--url", url, str(tmp_path)]) == 1
    assert "replay: 1 passed, 1 failed" in capsys.readouterr().out
    assert kefu_main(["replay", "--url", url, str(tmp_path / "missing.yml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_refuses_when_nothing_answers(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert kefu_main(["replay", "--url", "http://127.0.0.1:9", str(write(tmp_path, GOOD))]) == 2
    assert "nothing answers" in capsys.readouterr().err
