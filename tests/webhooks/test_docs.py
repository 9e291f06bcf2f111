"""The signature verification snippet of the documentation, run against a real delivery."""

import json
import re
from pathlib import Path

from centrex.webhooks import services
from tests.webhooks.conftest import make_endpoint

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARKER = "<!-- webhook-verify-snippet -->"


def documented_snippet() -> str:
    for name in ("api.md", "webhooks.md"):
        path = DOCS / name
        if path.exists() and MARKER in path.read_text():
            text = path.read_text().split(MARKER, 1)[1]
            return re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    raise AssertionError(f"no {MARKER} in docs/api.md or docs/webhooks.md")


def test_documented_snippet_verifies_a_real_delivery_and_rejects_a_forged_one(acme, receiver, django_capture_on_commit_callbacks):
    # given the snippet exactly as documented
    namespace: dict = {}
    exec(compile(documented_snippet(), "docs-snippet", "exec"), namespace)
    verify = namespace["verify_centrex_webhook"]
    # and a real delivery received over HTTP
    endpoint = make_endpoint(acme, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
    request = receiver.requests[0]
    # when / then: the genuine delivery verifies
    assert verify(endpoint.secret, request.headers, request.body) is True
    # and a changed body, another secret or a replayed old timestamp does not
    forged = json.dumps({**request.json(), "tenant": "someone-else"}).encode()
    assert verify(endpoint.secret, request.headers, forged) is False
    assert verify("whsec_wrong", request.headers, request.body) is False
    stale = {**request.headers, "X-Centrex-Timestamp": str(int(request.headers["X-Centrex-Timestamp"]) - 3600)}
    assert verify(endpoint.secret, stale, request.body) is False
