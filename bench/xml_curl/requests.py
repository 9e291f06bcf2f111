"""Request bodies for the benchmark, made from the recorded FreeSWITCH 1.10 xml_curl posts.

The recorded user (1001) and domain (tenant-a.example) are replaced by placeholders, so each
request can ask for another user of another tenant, as a busy node would.
"""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import parse_qsl, quote

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "freeswitch" / "xml_curl"
USER, DOMAIN, DEST = "__USER__", "__DOMAIN__", "__DEST__"


def template(name: str, *, destination: bool = False) -> str:
    """The recorded body with placeholders, still form-encoded exactly as FreeSWITCH sends it."""
    pairs = parse_qsl((FIXTURES / name).read_text().strip(), keep_blank_values=True)
    out = []
    for key, value in pairs:
        if destination and key in {
            "Caller-Destination-Number",
            "Hunt-Destination-Number",
            "variable_sip_req_user",
            "variable_sip_to_user",
        }:
            value = DEST
        else:
            value = value.replace("tenant-a.example", DOMAIN).replace("1001", USER)
        out.append(f"{quote(key, safe='')}={quote(value, safe='')}")
    return "&".join(out)


def fill(body: str, tenants: int, extensions: int, rng: random.Random) -> bytes:
    from bench.xml_curl.load_data import domain_of, number_of

    tenant, user, dest = rng.randrange(tenants), rng.randrange(extensions), rng.randrange(extensions)
    return (
        body.replace(quote(USER), number_of(user))
        .replace(quote(DOMAIN), domain_of(tenant))
        .replace(quote(DEST), number_of(dest))
        .replace(USER, number_of(user))
        .replace(DOMAIN, domain_of(tenant))
        .replace(DEST, number_of(dest))
        .encode()
    )


def trunk_template(name: str) -> str:
    """The recorded dialplan post as a call from a carrier to a DID placeholder (the company-routing case)."""
    changes = {
        "Caller-Context": "public",
        "Hunt-Context": "public",
        "Caller-Destination-Number": DEST,
        "Hunt-Destination-Number": DEST,
        "Caller-Caller-ID-Number": "+4930123456",
        "variable_sip_gateway_name": "carrier-a",
        "variable_sip_authorized": "",
    }
    pairs = parse_qsl((FIXTURES / name).read_text().strip(), keep_blank_values=True)
    return "&".join(f"{quote(key, safe='')}={quote(changes.get(key, value), safe='')}" for key, value in pairs)


def fill_company(body: str, tenants: int, rng: random.Random) -> bytes:
    from bench.xml_curl.load_company import did_of

    did = did_of(rng.randrange(tenants))
    return body.replace(quote(DEST), quote(did)).replace(DEST, did).encode()
