"""Reference client of the bridge: what a sidecar does, in a few lines of Python.

Send a buyer message::

    client = BridgeClient("http://127.0.0.1:5005", secret)
    client.send(platform="douyin", shop_id="s-1", buyer_id="buyer-9", text="这件有货吗", message_id="m-1")

Receive replies: your callback URL gets ``POST`` JSON ``{"in_reply_to", "conversation_id", "platform",
"shop_id", "buyer_id", "messages": [{"text": ..., "buttons": [...]}]}`` signed with the same headers;
check it with :func:`verify_callback` before passing the text to the buyer. Without a configured
callback URL the bridge answers synchronously and ``send`` returns the replies.

From a shell (against ``make run``)::

    .venv/bin/python -m kefu.bridge.client --platform douyin --buyer b1 "这件卫衣黑色L有货吗"
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any, Dict, List, Mapping, Optional

from kefu import httpclient
from kefu.bridge.protocol import BridgeRefused, signed_headers, verify
from kefu.bridge.protocol import bridge_secret
from kefu.settings import Settings

WEBHOOK_PATH = "/webhooks/kefu_bridge/webhook"


class BridgeClient:
    def __init__(self, base_url: str, secret: str, *, timeout_s: float = 30.0) -> None:
        self.url = base_url.rstrip("/") + WEBHOOK_PATH
        self.secret, self.timeout_s = secret, timeout_s

    def body(self, *, platform: str, shop_id: str, buyer_id: str, text: str, message_id: Optional[str] = None,
             metadata: Optional[Mapping[str, str]] = None) -> bytes:
        payload: Dict[str, Any] = {"message_id": message_id or uuid.uuid4().hex, "platform": platform,
                                   "shop_id": shop_id, "buyer_id": buyer_id, "text": text}
        if metadata:
            payload["metadata"] = dict(metadata)
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def post(self, body: bytes, headers: Optional[Mapping[str, str]] = None) -> httpclient.Response:
        """POST an already built body; ``headers`` default to a fresh signature (tests pass bad ones)."""
        return httpclient.request("POST", self.url, data=body, headers=dict(headers or signed_headers(self.secret, body)),
                                  timeout=self.timeout_s)

    def send(self, **message: Any) -> Dict[str, Any]:
        """Sign and send one message; returns the bridge's JSON answer (raises on a refusal)."""
        response = self.post(self.body(**message))
        data = response.json()
        if response.status_code >= 400:
            raise BridgeRefused(response.status_code, data.get("error", "error"), data.get("detail", ""))
        return data


def verify_callback(headers: Mapping[str, str], body: bytes, secret: str, *, max_skew_s: int = 300) -> Dict[str, Any]:
    """A reply posted by kefu, checked (timestamp, signature) and parsed; raises BridgeRefused otherwise.
    A sidecar should also remember the nonce for ``2 * max_skew_s`` and refuse a repeat."""
    verify(secret, headers, body, max_skew_s=max_skew_s)
    return json.loads(body.decode("utf-8"))


def reply_texts(answer: Mapping[str, Any]) -> List[str]:
    return [m.get("text", "") for m in answer.get("messages", []) if m.get("text")]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kefu.bridge.client", description="Send one signed bridge message")
    parser.add_argument("text")
    parser.add_argument("--platform", default="douyin")
    parser.add_argument("--shop", default="demo-shop")
    parser.add_argument("--buyer", default="demo-buyer")
    parser.add_argument("--product", help="metadata.product_id (the item the buyer is looking at)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    client = BridgeClient(settings.rasa_url, bridge_secret(settings))
    try:
        answer = client.send(platform=args.platform, shop_id=args.shop, buyer_id=args.buyer, text=args.text,
                             metadata={"product_id": args.product} if args.product else None)
    except BridgeRefused as exc:
        print(f"refused: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    except Exception as exc:  # connection refused: kefu not running
        print(f"cannot reach {client.url}: {exc.__class__.__name__} (is `make run` running?)", file=sys.stderr)
        return 1
    texts = reply_texts(answer)
    print("\n".join(texts) if texts else json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
