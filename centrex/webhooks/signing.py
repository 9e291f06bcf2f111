"""Signing of deliveries: ``X-Centrex-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.

Receivers recompute the HMAC over the timestamp header, a dot and the raw body, compare in
constant time, and reject timestamps too far from their clock (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(
    *, secret: str, event_type: str, delivery_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Centrex-Webhooks/1",
        "X-Centrex-Event": event_type,
        "X-Centrex-Delivery": delivery_id,
        "X-Centrex-Timestamp": str(timestamp),
        "X-Centrex-Signature": signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    *,
    timestamp: str,
    body: bytes,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``header`` is a valid signature of ``body`` at a timestamp within ``tolerance`` seconds."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), header)
