"""One HTTP POST of a delivery, to an address checked just before connecting.

The host is resolved once, the addresses are checked (``validators.deliverable_addresses``), and
the connection goes to that checked address while TLS (SNI, certificate) and the ``Host`` header
still use the host name: a DNS answer that changes between check and connect (rebinding) cannot
move the request onto a private network. Redirects are never followed (a 3xx is a failed attempt),
so a public endpoint cannot bounce deliveries to a private address either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from centrex.webhooks.validators import BlockedTarget, default_port, deliverable_addresses

# Enough of the answer to show the admin what went wrong, never the whole body.
MAX_ERROR_BODY = 300


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None = None
    response_time_ms: int | None = None
    error: str = ""


def post(url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
    """POST ``body`` to ``url``; a 2xx answer is success, anything else (or no answer) a failure."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or default_port(scheme)
    try:
        address = deliverable_addresses(host, port)[0]
    except BlockedTarget as exc:
        return AttemptResult(ok=False, error=str(exc))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host_header = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        host_header = f"{host_header}:{parts.port}"
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED"
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            snippet = response.read(MAX_ERROR_BODY, decode_content=False)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        elapsed = round((time.monotonic() - started) * 1000)
        return AttemptResult(ok=False, response_time_ms=elapsed, error=_describe(exc))
    finally:
        pool.close()
    elapsed = round((time.monotonic() - started) * 1000)
    status = response.status
    if 200 <= status < 300:
        return AttemptResult(ok=True, status_code=status, response_time_ms=elapsed)
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        error = _("The endpoint answered with a redirect to %(location)s; redirects are not followed.") % {"location": location}
    else:
        error = _("The endpoint answered with HTTP %(status)s.") % {"status": status}
        text = snippet.decode("utf-8", "replace").strip()
        if text:
            error = f"{error} {text}"
    return AttemptResult(ok=False, status_code=status, response_time_ms=elapsed, error=error[:1000])


def _describe(exc: urllib3.exceptions.HTTPError) -> str:
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return _("The endpoint did not answer in time.")
    if isinstance(exc, urllib3.exceptions.SSLError):
        return _("The TLS connection failed: %(error)s") % {"error": exc}
    # NewConnectionError derives from ConnectTimeoutError, so it is asked first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return _("The endpoint could not be reached: %(error)s") % {"error": exc}
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return _("Connecting to the endpoint timed out.")
    return _("The request failed: %(error)s") % {"error": exc}
