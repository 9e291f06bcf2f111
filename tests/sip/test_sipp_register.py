"""A real SIP client registers with the credentials Centrex hands out, against the a1-hash it serves.

FreeSWITCH cannot run here, so its two halves of a digest REGISTER are taken apart:

- what FreeSWITCH asks the control plane: the recorded ``directory_register.txt`` xml_curl body,
  rewritten to the new device's user and domain, posted to ``/freeswitch/xml/`` as a node; the
  answer's ``a1-hash`` is all FreeSWITCH gets to check a password with;
- what FreeSWITCH does on the wire: a sipp UAS (``scenarios/register_uas.xml``) challenges with
  401 Digest (realm = the tenant's SIP domain, as ``challenge-realm=auto_from`` does) and answers
  200 when the response matches the one computed from that a1-hash, 403 otherwise.

The phone is a sipp UAC (``scenarios/register_uac.xml``) given the SIP user name and the password
shown once by ``check_create_device``; sipp computes its digest from the clear password with its
own MD5 code. The Authorization header it sent is read back from the UAS's message log and checked
here as well, so a match means: the hash we serve is md5(user:realm:password) for the realm phones
are challenged with and the password we showed.
"""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import uuid
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from telephony.directory import services as directory_services
from tests.xmlcurl.conftest import recorded

SCENARIOS = Path(__file__).parent / "scenarios"
LOOPBACK = "127.0.0.1"
# sipp's own limit (-timeout, counted as a failure) and the harder one around the process.
SIPP_TIMEOUT_S = 10
PROCESS_TIMEOUT_S = 20
# The user and domain the REGISTER body was recorded with (see ../shared/fixtures/freeswitch/README.md).
RECORDED_USER = "1001"
RECORDED_DOMAIN = "tenant-a.example"
# Fields of the recorded body that describe that phone's own digest answer to a qop challenge.
RECORDED_ANSWER_FIELDS = ("sip_auth_response", "sip_auth_qop", "sip_auth_cnonce", "sip_auth_nc")


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_response(ha1: str, method: str, authorization: dict[str, str]) -> str:
    """RFC 2617 response for an Authorization header's fields, from HA1 (not from a password)."""
    ha2 = md5(f"{method}:{authorization['uri']}")
    if authorization.get("qop"):
        nc, cnonce, qop = authorization["nc"], authorization["cnonce"], authorization["qop"]
        return md5(f"{ha1}:{authorization['nonce']}:{nc}:{cnonce}:{qop}:{ha2}")
    return md5(f"{ha1}:{authorization['nonce']}:{ha2}")


# --- the control plane's half: the directory answer FreeSWITCH gets ---------------------------
def register_lookup_body(sip_user: str, sip_domain: str, *, nonce: str, uri: str) -> bytes:
    """The recorded REGISTER directory lookup as FreeSWITCH would post it for this user and challenge."""
    fields = dict(parse_qsl(recorded("directory_register.txt").decode(), keep_blank_values=True))
    replaced = {"user": sip_user, "domain": sip_domain, "key_value": sip_domain}
    for name, value in fields.items():
        if value == RECORDED_USER:
            replaced[name] = sip_user
        elif value == RECORDED_DOMAIN:
            replaced[name] = sip_domain
    fields.update(replaced, sip_auth_nonce=nonce, sip_auth_uri=uri)
    for name in RECORDED_ANSWER_FIELDS:
        fields.pop(name, None)
    return urlencode(fields).encode()


def served_a1_hash(post_xml, sip_user: str, sip_domain: str, *, nonce: str, uri: str) -> str:
    """The ``a1-hash`` /freeswitch/xml/ answers for ``sip_user@sip_domain``."""
    response = post_xml(register_lookup_body(sip_user, sip_domain, nonce=nonce, uri=uri))
    assert response.status_code == 200, response.content
    document = ET.fromstring(response.content)
    user = document.find("section[@name='directory']/domain/groups/group/users/user")
    assert user is not None, response.content.decode()
    assert user.get("id") == sip_user
    params = {param.get("name"): param.get("value") for param in user.iter("param")}
    assert "password" not in params
    return params["a1-hash"]


# --- the SIP half: sipp as phone and as registrar --------------------------------------------
@dataclass(frozen=True)
class SipMessage:
    direction: str  # "sent" or "received", from the point of view of the sipp that logged it
    start_line: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Registration:
    registrar_log: list[SipMessage]
    phone_log: list[SipMessage]

    def registers(self) -> list[SipMessage]:
        return [m for m in self.registrar_log if m.direction == "received" and m.start_line.startswith("REGISTER ")]

    def authorization(self) -> dict[str, str]:
        """The Digest fields of the Authorization header the phone sent on its last REGISTER."""
        header = self.registers()[-1].headers["authorization"]
        scheme, _, rest = header.partition(" ")
        assert scheme == "Digest", header
        return {name.lower(): quoted or plain for name, quoted, plain in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', rest)}

    def final_answer(self) -> str:
        """The status line of the last response the phone received."""
        return [m for m in self.phone_log if m.direction == "received"][-1].start_line


_LOG_ENTRY = re.compile(r"^-{40,} .*\n(?:UDP|TCP) message (sent|received) .*?:\n\n", re.MULTILINE)


def read_message_log(path: Path) -> list[SipMessage]:
    """The SIP messages of a sipp ``-trace_msg`` log, in order."""
    text = path.read_text()
    marks = list(_LOG_ENTRY.finditer(text))
    messages = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : following.start() if following else len(text)]
        lines = body.strip("\n").splitlines()
        headers = {}
        for line in lines[1:]:
            if not line.strip():
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        messages.append(SipMessage(mark.group(1), lines[0], headers))
    return messages


def free_udp_ports(count: int) -> list[int]:
    """Ports free on the loopback right now (held together, so they differ; released for sipp)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) for _ in range(count)]
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]


def _sipp_command(sipp: str, scenario: str, port: int, name: str, workdir: Path) -> list[str]:
    return [
        sipp,
        *("-sf", str(SCENARIOS / scenario)),
        *("-i", LOOPBACK, "-p", str(port)),
        *("-m", "1", "-timeout", f"{SIPP_TIMEOUT_S}s", "-timeout_error", "-nostdin"),
        *("-trace_msg", "-message_file", str(workdir / f"{name}_messages.log")),
        *("-trace_err", "-error_file", str(workdir / f"{name}_errors.log")),
    ]


def _failure(name: str, returncode: int | None, workdir: Path) -> str:
    """What sipp said, for the assertion message."""
    parts = [f"sipp {name} exited with {returncode}"]
    for suffix in ("errors.log", "out.txt"):
        path = workdir / f"{name}_{suffix}"
        if path.exists():
            parts.append(f"--- {path.name} (end) ---\n{path.read_text(errors='replace')[-3000:]}")
    return "\n".join(parts)


def register(
    sipp: str, workdir: Path, *, user: str, password: str, domain: str, nonce: str, expected_response: str
) -> Registration:
    """One REGISTER with digest authentication from a sipp phone to a sipp registrar, both on the loopback."""
    registrar_port, phone_port = free_udp_ports(2)
    registrar = [
        *_sipp_command(sipp, "register_uas.xml", registrar_port, "registrar", workdir),
        *("-set", "realm", domain, "-set", "nonce", nonce, "-set", "expected", expected_response),
    ]
    phone = [
        *_sipp_command(sipp, "register_uac.xml", phone_port, "phone", workdir),
        *("-s", user, "-au", user, "-ap", password, "-auth_uri", domain, "-set", "domain", domain),
        f"{LOOPBACK}:{registrar_port}",
    ]
    # The registrar goes first; should the phone's first REGISTER still beat its bind, the phone
    # retransmits after T1 (500 ms), as phones do, so nothing here waits or polls.
    with (workdir / "registrar_out.txt").open("wb") as registrar_out, (workdir / "phone_out.txt").open("wb") as phone_out:
        uas = subprocess.Popen(registrar, cwd=workdir, stdin=subprocess.DEVNULL, stdout=registrar_out, stderr=subprocess.STDOUT)
        try:
            uac = subprocess.run(
                phone,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=phone_out,
                stderr=subprocess.STDOUT,
                timeout=PROCESS_TIMEOUT_S,
            )
            uas.wait(timeout=PROCESS_TIMEOUT_S)
        finally:
            if uas.poll() is None:
                uas.kill()
                uas.wait()
    assert uac.returncode == 0, _failure("phone", uac.returncode, workdir)
    assert uas.returncode == 0, _failure("registrar", uas.returncode, workdir)
    return Registration(read_message_log(workdir / "registrar_messages.log"), read_message_log(workdir / "phone_messages.log"))


# --- the tests ---------------------------------------------------------------------------------
def new_device(tenant, django_capture_on_commit_callbacks, number: str = "2001"):
    """An extension with one device, made as the portal makes it; returns the device and the password shown."""
    with django_capture_on_commit_callbacks(execute=True):
        extension = directory_services.check_create_extension(tenant, actor=None, number=number, display_name="Desk phone")
        return directory_services.check_create_device(tenant, actor=None, extension=extension)


def test_register_with_password_shown_once_matches_served_a1_hash(
    acme, post_xml, sipp, tmp_path, django_capture_on_commit_callbacks
):
    # given a device of acme, its password as the portal shows it, and the hash FreeSWITCH gets for it
    device, password = new_device(acme.tenant, django_capture_on_commit_callbacks)
    domain, nonce = acme.tenant.sip_domain, str(uuid.uuid4())
    uri = f"sip:{domain}"
    a1_hash = served_a1_hash(post_xml, device.sip_username, domain, nonce=nonce, uri=uri)
    expected = md5(f"{a1_hash}:{nonce}:{md5(f'REGISTER:{uri}')}")

    # when a SIP phone registers with those credentials and the registrar checks against that hash
    registration = register(
        sipp, tmp_path, user=device.sip_username, password=password, domain=domain, nonce=nonce, expected_response=expected
    )

    # then the phone first asked without credentials and answered the challenge of the tenant's realm
    first, second = registration.registers()
    assert "authorization" not in first.headers
    authorization = registration.authorization()
    assert authorization["username"] == device.sip_username
    assert authorization["realm"] == domain
    assert authorization["nonce"] == nonce
    assert authorization["uri"] == uri
    # and its digest, computed by sipp from the clear password, is the one our a1-hash gives
    assert authorization["response"] == digest_response(a1_hash, "REGISTER", authorization) == expected
    # and neither the password nor the hash went over the wire
    assert password not in second.headers["authorization"]
    assert a1_hash not in second.headers["authorization"]
    # and the registrar let the phone in
    assert registration.final_answer() == "SIP/2.0 200 OK"


def test_register_with_wrong_password_misses_served_a1_hash_and_gets_403(
    acme, post_xml, sipp, tmp_path, django_capture_on_commit_callbacks
):
    # given a device of acme and the hash FreeSWITCH gets for it
    device, password = new_device(acme.tenant, django_capture_on_commit_callbacks)
    domain, nonce = acme.tenant.sip_domain, str(uuid.uuid4())
    uri = f"sip:{domain}"
    a1_hash = served_a1_hash(post_xml, device.sip_username, domain, nonce=nonce, uri=uri)
    expected = md5(f"{a1_hash}:{nonce}:{md5(f'REGISTER:{uri}')}")
    wrong = "not-the-password-shown"
    assert wrong != password

    # when a phone registers with a wrong password
    registration = register(
        sipp, tmp_path, user=device.sip_username, password=wrong, domain=domain, nonce=nonce, expected_response=expected
    )

    # then its digest is not the one our a1-hash gives, but the one the wrong password gives
    authorization = registration.authorization()
    assert authorization["username"] == device.sip_username
    assert authorization["response"] != digest_response(a1_hash, "REGISTER", authorization)
    wrong_ha1 = md5(f"{device.sip_username}:{domain}:{wrong}")
    assert authorization["response"] == digest_response(wrong_ha1, "REGISTER", authorization)
    # and the registrar turned it away
    assert registration.final_answer() == "SIP/2.0 403 Forbidden"


def test_register_after_password_reset_accepts_only_new_password(
    acme, post_xml, sipp, tmp_path, django_capture_on_commit_callbacks
):
    # given a device whose directory answer FreeSWITCH has already fetched (and we have cached)
    device, old_password = new_device(acme.tenant, django_capture_on_commit_callbacks)
    domain = acme.tenant.sip_domain
    uri = f"sip:{domain}"
    old_hash = served_a1_hash(post_xml, device.sip_username, domain, nonce="warm-up", uri=uri)

    # when the user resets the SIP password and the phone registers again, with the old and the new one
    with django_capture_on_commit_callbacks(execute=True):
        new_password = directory_services.check_reset_sip_password(acme.tenant, actor=None, device=device)
    results = {}
    for label, password in (("old", old_password), ("new", new_password)):
        nonce = str(uuid.uuid4())
        a1_hash = served_a1_hash(post_xml, device.sip_username, domain, nonce=nonce, uri=uri)
        expected = md5(f"{a1_hash}:{nonce}:{md5(f'REGISTER:{uri}')}")
        workdir = tmp_path / label
        workdir.mkdir()
        registration = register(
            sipp, workdir, user=device.sip_username, password=password, domain=domain, nonce=nonce, expected_response=expected
        )
        results[label] = (a1_hash, registration)

    # then the endpoint serves the new hash at once, not the cached old one
    assert results["new"][0] != old_hash
    # and only the new password matches it
    assert results["old"][1].final_answer() == "SIP/2.0 403 Forbidden"
    assert results["new"][1].final_answer() == "SIP/2.0 200 OK"
    new_authorization = results["new"][1].authorization()
    assert new_authorization["response"] == digest_response(results["new"][0], "REGISTER", new_authorization)
