"""满意度 (invitation after close, rating in the web chat) and the reports that use it:
平响, 询单转化, hourly load, per-agent views, Chinese labels, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path
from typing import Any, Dict
from zoneinfo import ZoneInfo

import pytest
import requests

from kefu.handoff.auth import AgentStore
from kefu.handoff.satisfaction import RatingClosed, RatingError, SatisfactionStore
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu.settings import PROJECT_ROOT
from tests.handoff.conftest import login
from tests.handoff.test_browser import PASSWORD, browser, console, open_buyer, pytestmark  # noqa: F401
from tests.handoff.test_workbench_units import _save_conversation

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_rating_once_per_closed_chat_from_its_own_buyer_within_the_window(tmp_path: Path) -> None:
    tickets, ratings = TicketStore(tmp_path / "kefu.db"), SatisfactionStore(tmp_path / "kefu.db")
    ticket, _ = tickets.create(conversation_id="web-r1", platform="taobao", reason="complain", priority=2)
    assert ratings.pending("web-r1") is None
    ratings.invite(ticket, now=1000.0)
    assert ratings.pending("web-r1", now=1001.0)["ticket_id"] == ticket.id
    with pytest.raises(RatingClosed):
        ratings.rate("web-someone-else", ticket.id, 5, now=1002.0)
    for bad in (0, 6, "5", True, None):
        with pytest.raises(RatingError):
            ratings.rate("web-r1", ticket.id, bad, now=1002.0)
    assert ratings.rate("web-r1", ticket.id, 4, "回复很快", now=1003.0)["label"] == "满意"
    with pytest.raises(RatingClosed):
        ratings.rate("web-r1", ticket.id, 1, now=1004.0)  # once
    assert ratings.pending("web-r1", now=1005.0) is None
    late, _ = tickets.create(conversation_id="web-r2", platform="jd", reason="complain", priority=2)
    ratings.invite(late, now=1000.0)
    with pytest.raises(RatingClosed):
        ratings.rate("web-r2", late.id, 5, now=1000.0 + 25 * 3600)  # the invitation expired


def test_report_uses_ratings_and_adds_average_response_conversion_and_hourly_load(tmp_path: Path) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    from kefu.handoff.report import build_report, csv_rows, for_agent, render_text
    from kefu.shop.store import load_shop

    db = tmp_path / "kefu.db"
    load_shop(PROJECT_ROOT / "shop", db)
    said = lambda text, intent, **meta: UserUttered(text, intent={"name": intent, "confidence": 0.9},  # noqa: E731
                                                    metadata={"platform": "taobao", **meta})
    # A pre-sale chat whose order (placed after the question) then comes up; another that never orders.
    placed = dt.datetime.fromisoformat("2026-11-20T09:30:00").replace(tzinfo=SHANGHAI).timestamp()
    asked = placed - 3600  # the question came an hour before that order
    _save_conversation(db, "buyer-converts", [
        UserUttered("卫衣L码有货吗", intent={"name": "ask_stock", "confidence": 0.9}, metadata={"platform": "taobao"},
                    timestamp=asked),
        BotUttered("亲，有货哦", timestamp=asked + 1),
        SlotSet("dialogue_state", {"order_id": "2611200930456789012"}, timestamp=asked + 7200)])
    _save_conversation(db, "buyer-browses", [said("这个尺码偏大吗", "ask_size"), BotUttered("亲，偏大一码")])
    _save_conversation(db, "buyer-complains", [said("质量太差", "complain")])
    tickets, ratings = TicketStore(db), SatisfactionStore(db)
    opened = time.time() - 900
    happy, _ = tickets.create(conversation_id="buyer-complains", platform="taobao", reason="complain", priority=2,
                              now=opened, transcript=[TranscriptLine("buyer", "质量太差", opened, "h1"),
                                                      TranscriptLine("buyer", "人呢", opened + 30, "h2")])
    tickets.claim(happy.id, "lin")
    tickets.add_agent_reply(happy.id, "lin", "亲，非常抱歉", now=opened + 60)      # 60 s after the first message
    tickets.append(happy.id, [TranscriptLine("buyer", "怎么赔", opened + 200, "h3")])
    tickets.add_agent_reply(happy.id, "lin", "亲，给您补发", now=opened + 300)     # 100 s after 「怎么赔」
    tickets.close(happy.id, "lin", "resolved")
    ratings.invite(tickets.get(happy.id))
    ratings.rate("buyer-complains", happy.id, 5)
    angry, _ = tickets.create(conversation_id="buyer-angry", platform="taobao", reason="complain", priority=2,
                              now=opened, transcript=[TranscriptLine("buyer", "退款", opened, "a1")])
    tickets.claim(angry.id, "wang")
    tickets.add_agent_reply(angry.id, "wang", "亲，稍等", now=opened + 20)
    tickets.close(angry.id, "wang", "other")
    ratings.invite(tickets.get(angry.id))
    ratings.rate("buyer-angry", angry.id, 1)

    report = build_report(db, placed - 86400 * 3, time.time() + 1)
    assert (report.ratings_invited, report.ratings, report.satisfied, report.disliked) == (2, 2, 1, 1)
    assert report.rating_average == pytest.approx(3.0) and report.satisfied_rate == pytest.approx(0.5)
    # the resolution rate now counts the 1-star chat as disliked
    assert report.resolution_rate == pytest.approx(1 - (1 + 0 + 2) / report.conversations)
    assert report.average_response_seconds == pytest.approx((60 + 100 + 20) / 3, abs=0.5)
    assert (report.presale_chats, report.presale_converted) == (2, 1) and report.conversion_rate == 0.5
    hours = {row["hour"]: row for row in report.hourly}
    assert len(hours) == 24 and hours[8]["buyer_messages"] >= 1  # 「卫衣L码有货吗」 at 08:30 shop time
    assert sum(row["tickets"] for row in report.hourly) == 2
    lin = next(a for a in report.agents if a["agent"] == "lin")
    assert (lin["average_response_seconds"], lin["ratings"], lin["rating_average"]) == (80, 1, 5.0)
    text = render_text(report)
    assert "满意度 参评 2/2" in text and "询单转化 50.0% (1/2)" in text and "平响" in text
    rows = csv_rows(report, "agents")
    assert rows[0][:6] == ["客服", "会话", "已结束", "回复", "首次响应（秒）", "平响（秒）"]
    only_wang = for_agent(report, "wang")
    assert [a["agent"] for a in only_wang.agents] == ["wang"] and {s["agent"] for s in only_wang.sessions} == {"wang"}


def test_csv_export_and_per_agent_view_for_supervisors(web_env: Dict[str, Any]) -> None:
    url, db = web_env["url"], web_env["settings"].db_path
    AgentStore(db).add("report-lead", PASSWORD, replace=True, role="supervisor")
    AgentStore(db).add("report-agent", PASSWORD, replace=True)
    http, _ = login(url, "report-lead", PASSWORD)
    got = http.get(f"{url}/api/report.csv", params={"kind": "summary"}, timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())  # Excel reads the Chinese headers
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0] == ["指标", "数值"] and "满意度平均分" in [row[0] for row in table] and "询单转化率" in [r[0] for r in table]
    for kind in ("agents", "sessions", "hourly"):
        assert http.get(f"{url}/api/report.csv", params={"kind": kind}, timeout=30).status_code == 200
    assert http.get(f"{url}/api/report.csv", params={"kind": "passwords"}, timeout=30).status_code == 400
    page = http.get(f"{url}/console/reports", params={"agent": "report-agent"}, timeout=30)
    assert page.status_code == 200 and "平响" in page.text and "满意度" in page.text and "询单转化" in page.text
    assert 'data-kind="agents"' in page.text
    agent, _ = login(url, "report-agent", PASSWORD)
    assert agent.get(f"{url}/api/report.csv", timeout=30).status_code == 403


def test_the_buyer_rates_in_the_web_chat_after_the_agent_closes(browser: Any, web_env: Dict[str, Any]) -> None:
    db = web_env["settings"].db_path
    AgentStore(db).add("rate-agent", PASSWORD, replace=True)
    tickets = TicketStore(db)
    buyers = [open_buyer(browser, web_env["url"]) for _ in range(2)]
    convs = [b.text_content("#conv") for b in buyers]
    now = time.time()
    ids = [tickets.create(conversation_id=conv, platform="douyin", reason="complain", priority=2,
                          transcript=[TranscriptLine("buyer", "鞋子开胶了", now, f"t:rate:{conv}")])[0].id for conv in convs]
    page = console(browser, web_env["url"], "rate-agent")
    for ticket_id in ids:
        page.wait_for_selector(f"#queue li[data-ticket-id='{ticket_id}']")
        page.click(f".chatlist li[data-ticket-id='{ticket_id}']")
        page.wait_for_function(f"document.getElementById('chat-title').textContent.includes('#{ticket_id}')")
        page.click("#claim")
        page.wait_for_function("document.getElementById('status').textContent.includes('处理中')")
        page.click("#close")
        page.wait_for_function("document.getElementById('status').textContent.includes('已结束')")
    first, second = buyers
    first.wait_for_selector("#rating:not([hidden]) button[data-score='5']", timeout=20000)
    assert "满意度" in first.text_content("#messages")  # the invitation sentence, delivered like a reply
    first.click("#rating button[data-score='5']")
    first.wait_for_function("document.getElementById('messages').textContent.includes('收到您的反馈')", timeout=10000)
    assert first.locator("#rating").is_hidden()
    second.wait_for_selector("#rating:not([hidden]) button[data-score='2']", timeout=20000)
    second.click("#rating button[data-score='2']")
    second.wait_for_function("document.getElementById('messages').textContent.includes('收到您的反馈')", timeout=10000)
    scores = {r["ticket_id"]: r["score"] for r in SatisfactionStore(db).between(0, time.time() + 1)}
    assert scores[ids[0]] == 5 and scores[ids[1]] == 2
    again = first.evaluate("""async (id) => (await fetch('/chat/rate', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({ticket_id: id, score: 1})})).status""", ids[0])
    assert again == 409  # one rating per chat
    other = first.evaluate("""async (id) => (await fetch('/chat/rate', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({ticket_id: id, score: 1})})).status""", ids[1])
    assert other == 409  # not this buyer's chat
