"""Request signatures of the platforms' open APIs, each as its documentation and public SDKs define it.

- Pinduoduo (open.pinduoduo.com, ``/api/router``), Taobao TOP (``sign_method=md5``) and JD
  (``/routerjson``): ``MD5(secret + k1v1k2v2… (keys sorted, sign excluded) + secret)``, hex, upper case.
  Taobao's ``sign_method=hmac`` is ``HMAC-MD5(secret, k1v1k2v2…)``, upper case.
- 抖店 (op.jinritemai.com, v2): ``secret + "app_key" + key + "method" + method + "param_json" +
  param_json + "timestamp" + ts + "v" + v + secret``, then HMAC-SHA256 keyed with the secret
  (``sign_method=hmac-sha256``) or MD5, lower-case hex; ``param_json`` is the business parameters
  as JSON with keys sorted and no spaces.
- 抖店 message push: header ``event-sign = md5(app_key + raw body + app_secret)``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Mapping

from kefu.tokens import same_secret


def sorted_concat(params: Mapping[str, str]) -> str:
    """``k1v1k2v2…`` over ``params`` sorted by key, without ``sign`` and empty values."""
    return "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v is not None and v != "")


def md5_upper(secret: str, params: Mapping[str, str]) -> str:
    """Pinduoduo, Taobao (md5) and JD."""
    text = f"{secret}{sorted_concat(params)}{secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def hmac_md5_upper(secret: str, params: Mapping[str, str]) -> str:
    """Taobao ``sign_method=hmac``."""
    return hmac.new(secret.encode("utf-8"), sorted_concat(params).encode("utf-8"), hashlib.md5).hexdigest().upper()


def doudian_param_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def doudian_sign(app_key: str, app_secret: str, method: str, param_json: str, timestamp: str, *,
                 v: str = "2", sign_method: str = "hmac-sha256") -> str:
    text = f"{app_secret}app_key{app_key}method{method}param_json{param_json}timestamp{timestamp}v{v}{app_secret}"
    if sign_method == "md5":
        return hashlib.md5(text.encode("utf-8")).hexdigest()
    return hmac.new(app_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def doudian_event_sign(app_key: str, app_secret: str, body: bytes) -> str:
    """The ``event-sign`` header of a 抖店 message push."""
    return hashlib.md5(app_key.encode("utf-8") + body + app_secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two signatures (case-insensitive hex)."""
    return same_secret(str(a).lower(), str(b).lower())
