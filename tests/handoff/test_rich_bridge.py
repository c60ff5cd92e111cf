"""A bridge buyer and a REST buyer with the workbench (issue 19 parts 3 and 5), all over real HTTP.

The web app (``kefu serve web``) runs with a bridge callback URL pointing at a sidecar stand-in that
checks kefu's signature; the bridge channel (kefu_rasa/bridge.py) runs on the same database in front
of a stand-in for Rasa's agent. The agent's image and cards reach the sidecar in the documented
payloads (docs/bridge.md); closing the chat sends the 满意度 invitation, which the sidecar answers on
the signed rating endpoint; the REST buyer rates through the documented endpoint; the report counts both.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest
import requests
from sanic import Sanic

from kefu.bridge.client import BridgeClient, verify_callback
from kefu.bridge.protocol import signed_headers
from kefu.handoff.auth import AgentStore
from kefu.handoff.outbox import Outbox
from kefu.handoff.replies import reply
from kefu.settings import PROJECT_ROOT, Settings
from kefu.tickets.store import TicketStore, TranscriptLine
from kefu_rasa.bridge import BridgeInput
from tests.handoff.conftest import free_port, login, started_web_app
from tests.handoff.test_rich_messages import png
from tests.running_app import RunningApp

SECRET = "bridge-rich-secret-0123456789abcdef"
PASSWORD = "bridge-rich-password"


class Sidecar:
    """The sidecar's callback URL: refuses anything not signed by kefu, keeps what arrived."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []
        self.port = free_port()
        sidecar = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    sidecar.received.append(verify_callback(dict(self.headers), body, SECRET))
                    status = 200
                except Exception:
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        return [m for p in self.received for m in p["messages"] if m.get("type") == kind]


@pytest.fixture(scope="module")
def bridged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    from kefu.shop.store import load_shop

    sidecar = Sidecar()
    state = tmp_path_factory.mktemp("bridge-rich")
    env = {"KEFU_BRIDGE_SECRET": SECRET, "KEFU_BRIDGE_CALLBACK_URL": f"http://127.0.0.1:{sidecar.port}/replies"}
    for web in started_web_app(state, env):
        db = web["settings"].db_path
        load_shop(PROJECT_ROOT / "shop", db)
        AgentStore(db).add("bridge-lin", PASSWORD, replace=True)

        async def assistant(message: Any) -> None:  # the bot, silent while a person has the chat
            if TicketStore(db).active_for(message.sender_id) is None:
                await message.output_channel.send_text_message(message.sender_id, "亲，您好")

        settings = replace(Settings(), state_dir=state, db_path=db, bridge_secret=SECRET)
        app = Sanic(f"bridge_rich_{time.monotonic_ns()}")
        app.blueprint(BridgeInput(settings).blueprint(assistant), url_prefix="/webhooks/kefu_bridge")
        with RunningApp(app) as bridge:
            yield dict(web, sidecar=sidecar, bridge=bridge.url, client=BridgeClient(bridge.url, SECRET, timeout_s=30),
                       tickets=TicketStore(db))
    sidecar.server.shutdown()


def rate_over_bridge(env: Dict[str, Any], body: Dict[str, Any], headers: Any = None) -> requests.Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    return requests.post(env["bridge"] + "/webhooks/kefu_bridge/rating", data=data,
                         headers=headers or signed_headers(SECRET, data), timeout=30)


def test_a_bridge_buyer_gets_images_cards_and_rates_the_chat_signed(bridged: Dict[str, Any]) -> None:
    url, sidecar = bridged["url"], bridged["sidecar"]
    conv = bridged["client"].send(platform="douyin", shop_id="shop-9", buyer_id="抖音买家🌟", text="你好",
                                  message_id="rb-1")["conversation_id"]
    ticket = bridged["tickets"].create(conversation_id=conv, platform="douyin", reason="complain", priority=2,
                                       product_id="p1002", order_id="2611200930456789012",
                                       transcript=[TranscriptLine("buyer", "衣服开线了", time.time(), "t:rb")])[0].id
    http, csrf = login(url, "bridge-lin", PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    assert http.post(f"{url}/api/tickets/{ticket}/claim", headers=headers, timeout=10).ok
    photo = png(5, 5)
    assert http.post(f"{url}/api/tickets/{ticket}/image", data=photo, headers=headers, timeout=30).ok
    for kind in ("product", "order"):
        assert http.post(f"{url}/api/tickets/{ticket}/card", json={"kind": kind}, headers=headers, timeout=30).ok
    [image] = sidecar.of_type("image")
    assert base64.b64decode(image["image"]["data_base64"]) == photo and image["image"]["mime"] == "image/png"
    assert image["text"] == "[图片]"
    [product] = sidecar.of_type("product_card")
    assert product["card"]["name"] == "加绒连帽卫衣" and product["text"].startswith("【商品】加绒连帽卫衣")
    [order] = sidecar.of_type("order_card")
    assert order["card"]["phone"] == "139****4321" and "13987654321" not in json.dumps(order, ensure_ascii=False)
    assert all(p["buyer_id"] == "抖音买家🌟" and p["platform"] == "douyin" for p in sidecar.received)
    # Closing the chat: the handback line and the invitation with what a rating needs.
    assert http.post(f"{url}/api/tickets/{ticket}/close", json={"outcome": "resolved"}, headers=headers,
                     timeout=30).ok
    [invite] = sidecar.of_type("rating_invite")
    assert invite["text"] == reply("satisfaction.invite") and invite["rating"]["ticket_id"] == ticket
    assert invite["rating"]["scores"]["5"] == "非常满意"
    who = {"platform": "douyin", "shop_id": "shop-9", "buyer_id": "抖音买家🌟", "ticket_id": ticket}
    # Another buyer (of the same shop) cannot rate this chat; a forged signature is refused before anything.
    assert rate_over_bridge(bridged, dict(who, buyer_id="别人", score=1)).status_code == 409
    forged = json.dumps(dict(who, score=1)).encode()
    assert rate_over_bridge(bridged, dict(who, score=1),
                            headers=signed_headers("not-the-secret-000000", forged)).status_code == 401
    assert rate_over_bridge(bridged, dict(who, score=9)).status_code == 400
    body = json.dumps(dict(who, score=5, comment="很耐心"), ensure_ascii=False).encode()
    signed = signed_headers(SECRET, body)
    rated = requests.post(bridged["bridge"] + "/webhooks/kefu_bridge/rating", data=body, headers=signed, timeout=30)
    assert rated.status_code == 200, rated.text
    assert rated.json()["score"] == 5 and rated.json()["messages"] == [{"text": reply("satisfaction.thanks")}]
    again = requests.post(bridged["bridge"] + "/webhooks/kefu_bridge/rating", data=body, headers=signed, timeout=30)
    assert again.status_code == 401 and again.json()["error"] == "replayed_nonce"
    assert rate_over_bridge(bridged, dict(who, score=1)).status_code == 409  # rated once
    from kefu.handoff.report import build_report

    figures = build_report(bridged["settings"].db_path, time.time() - 3600,
                           time.time() + 60)
    assert (figures.ratings, figures.rating_average) == (1, 5.0)


def test_a_rest_buyer_is_invited_and_rates_through_the_documented_endpoint(bridged: Dict[str, Any]) -> None:
    url, db = bridged["url"], bridged["settings"].db_path
    ticket = bridged["tickets"].create(conversation_id="rest-rater-1", platform="jd", reason="complain", priority=2,
                                       transcript=[TranscriptLine("buyer", "在吗", time.time(), "t:rr")])[0].id
    http, csrf = login(url, "bridge-lin", PASSWORD)
    headers = {"X-CSRF-Token": csrf}
    assert http.post(f"{url}/api/tickets/{ticket}/claim", headers=headers, timeout=10).ok
    assert http.post(f"{url}/api/tickets/{ticket}/close", json={"outcome": "resolved"}, headers=headers,
                     timeout=30).ok
    handback, invite = Outbox(db).take("rest-rater-1")
    assert handback["text"] == reply("handback") and invite["text"] == reply("satisfaction.invite")
    assert invite["custom"]["kefu_rating"]["ticket_id"] == ticket
    token = (bridged["state"] / "rasa-api-token").read_text().strip()
    endpoint = f"{url}/chat/rest/rate"
    body = {"sender": "rest-rater-1", "ticket_id": ticket, "score": 2}
    assert requests.post(endpoint, json=body, timeout=10).status_code == 403
    assert requests.post(endpoint, json=body, params={"token": "wrong"}, timeout=10).status_code == 403
    assert requests.post(endpoint, json=dict(body, sender="rest-rater-2"), params={"token": token},
                         timeout=10).status_code == 409
    rated = requests.post(endpoint, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert rated.status_code == 200 and rated.json()["label"] == "不满意", rated.text
    assert rated.json()["messages"][0]["text"] == reply("satisfaction.thanks")
    assert requests.post(endpoint, json=body, params={"token": token}, timeout=10).status_code == 409
    from kefu.handoff.report import build_report

    figures = build_report(db, time.time() - 3600, time.time() + 60)
    assert figures.disliked >= 1 and figures.ratings >= 1
