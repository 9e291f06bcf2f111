"""Company voicemail end to end ([VTX] §2.8): services, recorded dialplan and directory requests, portal page."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from telephony.directory.choices import DestinationKind
from telephony.forwarding import services as forwarding
from telephony.forwarding.models import NumberRoute, TimeRange
from telephony.forwarding.services import RouteTarget
from telephony.freeswitch import media as node_media
from telephony.freeswitch.directory import answer_directory
from telephony.groups.choices import NoAnswerAction
from telephony.groups.models import HuntGroup
from telephony.groups.services import GroupInput
from telephony.voicemail import services
from telephony.voicemail.choices import MailboxState
from telephony.voicemail.models import CompanyMailbox
from tenants.models import AuditEntry
from tests.groups.test_printouts import pdf_text
from tests.media.test_media import make_wav
from tests.routing.conftest import Site, recorded_params
from tests.routing.test_company_dialplan import ask, group, registered  # noqa: F401 - fixture
from tests.routing.test_dialplan import from_extension, trunk_call
from tests.xmlcurl.conftest import NODE_ADDRESS, make_node

MAIN = "+49891234560"
MAIN_BOX = "vm49891234560"
# Monday 23 November 2026, 20:00 in Berlin: outside the default office hours.
EVENING = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.FREESWITCH_MEDIA_URL = "https://centrex.example"


def wav(name: str = "greeting.wav", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_wav(1.0) if data is None else data, content_type="audio/wav")


def mailbox(site: Site, key: str = "main", **changes) -> CompanyMailbox:
    box = services.ensure_mailbox(site.tenant, actor=None, phone_number=site.numbers[key])
    if changes:
        box = services.check_update_mailbox(site.tenant, actor=None, mailbox=box, **changes)
    return box


def route_outside_hours_to_voicemail(site: Site, key: str = "main"):
    office = TimeRange.objects.for_tenant(site.tenant).get()
    sales = group(site, members=("1002",))
    return forwarding.check_route_number(
        site.tenant,
        actor=None,
        phone_number=site.numbers[key],
        destination=DestinationKind.SCHEDULE,
        ranges={str(office.pk): RouteTarget("group", group=sales.pk)},
        holiday=RouteTarget("voicemail"),
        outside=RouteTarget("voicemail"),
    )


# --- the mailbox and its rules -----------------------------------------------------------------
def test_ensure_mailbox_creates_it_off_with_a_random_4_digit_password_once(site: Site) -> None:
    box = mailbox(site)
    assert box.state == MailboxState.OFF and len(box.password) == 4 and box.password.isdigit()
    assert box.switch_id == MAIN_BOX and box.language == site.tenant.language
    assert mailbox(site).pk == box.pk
    assert AuditEntry.objects.filter(tenant=site.tenant, action="company_mailbox.create").count() == 1


@pytest.mark.parametrize("password", ["123", "12345", "12a4", ""])
def test_update_mailbox_password_not_4_digits_is_refused_and_nothing_changes(site: Site, password: str) -> None:
    box = mailbox(site)
    with pytest.raises(ValidationError) as error:
        services.check_update_mailbox(site.tenant, actor=None, mailbox=box, password=password, state=MailboxState.ON)
    assert error.value.message_dict["password"] == ["The password has exactly 4 digits."]
    box.refresh_from_db()
    assert box.state == MailboxState.OFF and box.password != password


def test_update_mailbox_password_with_mismatched_confirmation_is_refused(site: Site) -> None:
    box = mailbox(site)
    before = box.password
    with pytest.raises(ValidationError) as error:
        services.check_update_mailbox(site.tenant, actor=None, mailbox=box, password="1244", password_confirmation="1245")
    assert error.value.message_dict == {"password_confirmation": ["The two passwords do not match."]}
    box.refresh_from_db()
    assert box.password == before


def test_update_mailbox_new_password_confirmed_is_stored_and_audited_without_the_digits(site: Site) -> None:
    box = mailbox(site, password="1244", password_confirmation="1244", state=MailboxState.ON, email="reception@acme.example")
    assert (box.password, box.state, box.email) == ("1244", MailboxState.ON, "reception@acme.example")
    entry = AuditEntry.objects.filter(tenant=site.tenant, action="company_mailbox.update").latest("created_at")
    assert entry.after["password"] == "changed" and "1244" not in str(entry.after)


def test_set_greeting_stores_the_converted_file_under_a_new_id_each_time(site: Site) -> None:
    box = mailbox(site)
    box = services.check_set_greeting(site.tenant, actor=None, mailbox=box, upload=wav())
    first = box.greeting_id
    assert box.has_greeting and box.greeting_name == "greeting.wav" and box.greeting_duration_ms == 1000
    box = services.check_set_greeting(site.tenant, actor=None, mailbox=box, upload=wav("new.wav"))
    assert box.greeting_id != first and box.greeting_name == "new.wav"
    box = services.check_delete_greeting(site.tenant, actor=None, mailbox=box)
    assert not box.has_greeting and box.greeting_id is None


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("greeting.wav", b"this is not audio at all" * 10), "The file is not a WAV or MP3 audio file."),
        (SimpleUploadedFile("greeting.ogg", b"OggS" + b"\0" * 100), "Only WAV and MP3 files are accepted."),
        (SimpleUploadedFile("big.wav", b"RIFF" + b"\0" * (5 * 1024 * 1024)), "The file is larger than 4 MB."),
    ],
)
def test_set_greeting_refuses_non_audio_and_5_mb_files_and_keeps_the_mailbox(site: Site, upload, message: str) -> None:
    box = mailbox(site)
    with pytest.raises(ValidationError) as error:
        services.check_set_greeting(site.tenant, actor=None, mailbox=box, upload=upload)
    assert error.value.message_dict == {"greeting": [message]}
    box.refresh_from_db()
    assert box.greeting_id is None and not box.greeting_converted


# --- choosing the voicemail as a target --------------------------------------------------------
def test_number_route_to_an_off_voicemail_is_refused_and_nothing_changes(site: Site) -> None:
    mailbox(site)  # off
    with pytest.raises(ValidationError) as error:
        route_outside_hours_to_voicemail(site)
    assert error.value.message_dict["outside"] == ["The voicemail of this number is switched off. Switch it on first."]
    assert not NumberRoute.objects.filter(phone_number=site.numbers["main"]).exists()
    site.numbers["main"].refresh_from_db()
    assert site.numbers["main"].destination_kind == DestinationKind.NONE


def test_number_route_to_voicemail_without_any_mailbox_is_refused(site: Site) -> None:
    with pytest.raises(ValidationError) as error:
        route_outside_hours_to_voicemail(site)
    assert "outside" in error.value.message_dict and "holiday" in error.value.message_dict


def test_group_no_answer_to_an_off_voicemail_or_another_tenants_is_refused(site: Site, other_site: Site) -> None:
    off = mailbox(site)
    theirs = mailbox(other_site, state=MailboxState.ON)
    data = GroupInput(
        name="Sales", short_number="300", members=[site.extensions["1002"].pk], no_answer_action=NoAnswerAction.VOICEMAIL
    )
    for candidate, message in (
        (off.pk, "The voicemail of +49891234560 is switched off. Switch it on first."),
        (theirs.pk, "Choose the voicemail of one of your numbers."),
        (None, "Choose the voicemail of one of your numbers."),
    ):
        data.no_answer_mailbox = candidate
        with pytest.raises(ValidationError) as error:
            from telephony.groups import services as groups

            groups.check_create_group(site.tenant, actor=None, data=data)
        assert error.value.message_dict == {"no_answer_mailbox": [message]}
    assert not HuntGroup.objects.for_tenant(site.tenant).exists()


def test_number_routing_of_another_tenants_number_is_refused(site: Site, other_site: Site) -> None:
    mailbox(other_site, state=MailboxState.ON)
    with pytest.raises(ValidationError) as error:
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=other_site.numbers["main"],
            destination=DestinationKind.SCHEDULE,
            outside=RouteTarget("voicemail"),
        )
    assert error.value.message_dict == {"phone_number": ["Choose a number of this company."]}
    assert not NumberRoute.objects.filter(phone_number=other_site.numbers["main"]).exists()


# --- the dialplan, from the recorded requests ---------------------------------------------------
def test_dialplan_trunk_call_outside_hours_to_voicemail_on_renders_mod_voicemail(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.ON, language="fr")
        route_outside_hours_to_voicemail(site)
    rendered = ask(EVENING, **trunk_call(MAIN))
    assert rendered.variable("centrex_call_kind") == "inbound"
    assert rendered.actions[-5:-1] == [
        ("answer", ""),
        ("set", "default_language=fr"),
        ("set", "voicemail_alternate_greet_id=0891234560"),
        ("voicemail", f"default tenant-a.example {MAIN_BOX}"),
    ]
    assert rendered.actions[-1] == ("hangup", "NORMAL_CLEARING")


def test_dialplan_voicemail_with_uploaded_greeting_gives_mod_voicemail_the_cached_file(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        box = mailbox(site, state=MailboxState.ON)
        box = services.check_set_greeting(site.tenant, actor=None, mailbox=box, upload=wav())
        route_outside_hours_to_voicemail(site)
    rendered = ask(EVENING, **trunk_call(MAIN))
    source = node_media.node_source(str(site.tenant.pk), str(box.greeting_id)).removeprefix("http_cache://")
    assert rendered.variable("voicemail_greeting_path") == "${http_get(" + source + ")}"
    assert rendered.data("voicemail") == [f"default tenant-a.example {MAIN_BOX}"]
    # and the node can fetch that greeting from the media endpoint (signed URL, node address)
    make_node()
    response = Client().get(source.removeprefix("https://centrex.example"), REMOTE_ADDR=NODE_ADDRESS)
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_dialplan_voicemail_greeting_only_plays_and_hangs_up(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.GREETING_ONLY, language="de")
        route_outside_hours_to_voicemail(site)
    rendered = ask(EVENING, **trunk_call(MAIN))
    assert rendered.data("voicemail") == []
    assert rendered.data("playback") == ["phrase:voicemail_play_greeting:0891234560"]
    assert rendered.actions[-1] == ("hangup", "NORMAL_CLEARING")


def test_dialplan_voicemail_switched_off_after_routing_announces_it(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        box = mailbox(site, state=MailboxState.ON)
        route_outside_hours_to_voicemail(site)
        services.check_update_mailbox(site.tenant, actor=None, mailbox=box, state=MailboxState.OFF)
    rendered = ask(EVENING, **trunk_call(MAIN))
    assert rendered.variable("centrex_call_kind") == "refused"
    assert rendered.data("respond") == ["480 Voicemail switched off"]
    assert rendered.data("voicemail") == []


def test_dialplan_group_no_answer_to_voicemail_rings_then_takes_a_message(site, registered, django_capture_on_commit_callbacks):  # noqa: F811 - fixture
    with django_capture_on_commit_callbacks(execute=True):
        box = mailbox(site, state=MailboxState.ON)
        group(site, members=("1002", "1003"), no_answer_action=NoAnswerAction.VOICEMAIL, no_answer_mailbox=box.pk)
    rendered = ask(**from_extension("1001", "300"))
    apps = [app for app, _data in rendered.actions]
    assert apps.index("bridge") < apps.index("voicemail")
    assert rendered.data("voicemail") == [f"default tenant-a.example {MAIN_BOX}"]


@pytest.mark.parametrize("dialled", ["0860891234560", "086004989 1234560".replace(" ", "")])
def test_dialplan_086_and_the_main_number_opens_the_mailbox_check(site, dialled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.ON, language="fr")
    rendered = ask(**from_extension("1001", dialled))
    assert rendered.data("voicemail") == [f"check default tenant-a.example {MAIN_BOX}"]
    assert rendered.variable("default_language") == "fr"


def test_dialplan_086_and_another_tenants_number_is_an_invalid_number(site, other_site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(other_site, state=MailboxState.ON)
    rendered = ask(**from_extension("1001", "0860309876540"))
    assert rendered.data("respond") == ["484 Invalid number"]
    assert rendered.data("voicemail") == []


# --- the directory answer mod_voicemail asks for -----------------------------------------------
def lookup(user: str, domain: str = "tenant-a.example") -> ET.Element:
    params = recorded_params("directory_voicemail_lookup.txt", user=user, domain=domain, key_value=domain)
    return ET.fromstring(answer_directory(params))


def test_directory_serves_the_mailbox_with_password_email_and_language(site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.ON, password="1244", email="reception@acme.example", language="fr")
    document = lookup(MAIN_BOX)
    (user,) = document.iter("user")
    params = {p.get("name"): p.get("value") for p in user.iter("param")}
    variables = {v.get("name"): v.get("value") for v in user.iter("variable")}
    assert user.get("id") == MAIN_BOX
    assert params["vm-password"] == "1244" and params["vm-mailto"] == "reception@acme.example"
    assert params["vm-email-all-messages"] == "true" and params["vm-attach-file"] == "true"
    # no SIP account: an a1-hash nobody knows (sofia lets a user without one in unchecked), no REGISTER
    assert "password" not in params and len(params["a1-hash"]) == 32
    assert params["a1-hash"] != hashlib.md5(f"{MAIN_BOX}:tenant-a.example:1244".encode()).hexdigest()
    assert params["sip-forbid-register"] == "true" and params["auth-acl"] == "centrex-blocked"
    assert params["vm-a1-hash"] == hashlib.md5(f"{MAIN_BOX}:tenant-a.example:1244".encode()).hexdigest()
    assert variables["default_language"] == "fr" and variables["tenant_id"] == str(site.tenant.pk)


def test_directory_password_change_reaches_the_next_lookup(site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        box = mailbox(site, password="1244")
    assert 'value="1244"' in ET.tostring(lookup(MAIN_BOX)).decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.check_update_mailbox(site.tenant, actor=None, mailbox=box, password="4711", password_confirmation="4711")
    assert 'value="4711"' in ET.tostring(lookup(MAIN_BOX)).decode()


def test_directory_mailbox_is_not_found_in_another_tenants_domain(site, other_site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.ON)
    document = lookup(MAIN_BOX, domain="tenant-b.example")
    assert document.find("section[@name='result']/result").get("status") == "not found"
    assert lookup("vm49891234569").find("section[@name='result']/result").get("status") == "not found"


# --- the portal page ---------------------------------------------------------------------------
@pytest.fixture
def admin(site: Site) -> Client:
    from tenants import services as tenants
    from tenants.choices import Feature, Role

    tenants.check_set_licence(site.tenant, actor=None, feature=Feature.USERS, quantity=5)
    membership = tenants.check_invite_user(
        site.tenant, actor=None, email="admin@tenant-a.example", full_name="A", role=Role.ADMIN
    )
    client = Client()
    client.force_login(membership.user)
    return client


def test_portal_page_shows_state_sentence_and_the_password_in_bold(site: Site, admin: Client) -> None:
    box = mailbox(site, state=MailboxState.ON, password="1244")
    response = admin.get(f"/portal/voicemail/numbers/{site.numbers['main'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong class="access-code">1244</strong>' in html
    assert "Your voicemail greeting is ACTIVE. Message recording ACTIVE." in html
    box.refresh_from_db()
    assert box.state == MailboxState.ON


def test_portal_page_saves_greeting_only_and_a_confirmed_password(site: Site, admin: Client) -> None:
    url = f"/portal/voicemail/numbers/{site.numbers['main'].pk}/"
    response = admin.post(
        url,
        {"action": "save", "state": "greeting_only", "new_password": "4711", "password_confirmation": "4711", "language": "de"},
    )
    assert response.status_code == 302
    box = CompanyMailbox.objects.get(phone_number=site.numbers["main"])
    assert (box.state, box.password, box.language) == ("greeting_only", "4711", "de")
    assert "Your voicemail greeting is ACTIVE. Message recording INACTIVE." in admin.get(url).content.decode()


def test_portal_page_mismatched_password_shows_the_error_and_changes_nothing(site: Site, admin: Client) -> None:
    box = mailbox(site, password="1244")
    url = f"/portal/voicemail/numbers/{site.numbers['main'].pk}/"
    response = admin.post(
        url, {"action": "save", "state": "on", "new_password": "4711", "password_confirmation": "4712", "language": "en"}
    )
    assert response.status_code == 400
    assert "The two passwords do not match." in response.content.decode()
    box.refresh_from_db()
    assert (box.state, box.password) == (MailboxState.OFF, "1244")


def test_portal_page_greeting_upload_then_listen(site: Site, admin: Client) -> None:
    url = f"/portal/voicemail/numbers/{site.numbers['main'].pk}/"
    bad = admin.post(url, {"action": "greeting", "greeting": SimpleUploadedFile("x.mp3", b"not audio" * 50)})
    assert bad.status_code == 400 and "The file is not a WAV or MP3 audio file." in bad.content.decode()
    assert admin.post(url, {"action": "greeting", "greeting": wav()}).status_code == 302
    audio = admin.get(url + "greeting/")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"


def test_number_routing_page_offers_the_voicemail_and_prints_it(
    site: Site, admin: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mailbox(site, state=MailboxState.ON)
        route_outside_hours_to_voicemail(site)
    page = admin.get(f"/portal/schedule/numbers/{site.numbers['main'].pk}/").content.decode()
    assert 'value="voicemail:"' in page and "Voicemail of +49891234560" in page
    assert f"/portal/voicemail/numbers/{site.numbers['main'].pk}/" in page
    printout = admin.get(f"/portal/schedule/numbers/{site.numbers['main'].pk}/print/")
    assert printout["Content-Type"] == "application/pdf"
    text = pdf_text(printout.content)
    assert "Outside the time ranges" in text and "Voicemail of +49891234560" in text


def test_group_printout_shows_the_voicemail_no_answer_rule(site: Site, admin: Client) -> None:
    box = mailbox(site, state=MailboxState.ON)
    sales = group(site, members=("1002",), no_answer_action=NoAnswerAction.VOICEMAIL, no_answer_mailbox=box.pk)
    text = pdf_text(admin.get(f"/portal/groups/{sales.pk}/print/").content)
    assert "Voicemail of +49891234560" in text


def test_portal_list_shows_every_number_with_its_voicemail_state(site: Site, admin: Client) -> None:
    mailbox(site, state=MailboxState.GREETING_ONLY)
    page = admin.get("/portal/voicemail/").content.decode()
    assert "+49 89 1234560" in page and "Greeting only: no message recording" in page
    assert "+49 89 1234561" in page and f"/portal/voicemail/numbers/{site.numbers['1001'].pk}/" in page
    assert not CompanyMailbox.objects.filter(phone_number=site.numbers["1001"]).exists()  # listing creates nothing


def test_portal_group_form_offers_the_voicemail_and_refuses_an_off_one(site: Site, admin: Client) -> None:
    off = mailbox(site)
    form = {
        "name": "Sales",
        "short_number": "300",
        "strategy": "simultaneous",
        "ring_count": "3",
        "cycles": "1",
        "members": "1002",
        "no_answer_action": "voicemail",
        "no_answer_mailbox": str(off.pk),
    }
    page = admin.get("/portal/groups/new/").content.decode()
    assert f'value="{off.pk}"' in page and "Voicemail of +49891234560" in page
    refused = admin.post("/portal/groups/new/", form)
    assert refused.status_code == 200
    assert "The voicemail of +49891234560 is switched off. Switch it on first." in refused.content.decode()
    assert not HuntGroup.objects.for_tenant(site.tenant).exists()
    services.check_update_mailbox(site.tenant, actor=None, mailbox=off, state=MailboxState.ON)
    assert admin.post("/portal/groups/new/", form).status_code == 302
    assert HuntGroup.objects.for_tenant(site.tenant).get().no_answer_mailbox_id == off.pk


def test_a_number_taken_back_leaves_no_mailbox_and_can_then_be_deleted(site: Site) -> None:
    from telephony.directory import services as directory

    # given a mailbox on the main number that a group diverts to
    box = mailbox(site, state=MailboxState.ON)
    sales = group(site, members=("1002",), no_answer_action=NoAnswerAction.VOICEMAIL, no_answer_mailbox=box.pk)
    number = site.numbers["main"]
    # when the operator takes the number back
    directory.check_assign_phone_number(actor=None, phone_number=number, tenant=None)
    # then the mailbox is gone and the group ends unanswered calls instead
    assert not CompanyMailbox.objects.filter(pk=box.pk).exists()
    sales.refresh_from_db()
    assert (sales.no_answer_action, sales.no_answer_mailbox_id) == (NoAnswerAction.HANGUP, None)
    # and the number can be deleted
    directory.do_delete_phone_number(actor=None, phone_number=number)
    assert not type(number).objects.filter(pk=number.pk).exists()
