"""Tenants' audio for the switch nodes: what the dialplan plays, and the endpoint the nodes fetch it from.

A node plays an uploaded file (ring tone, announcement) through mod_http_cache:
``http_cache://<FREESWITCH_MEDIA_URL>/freeswitch/media/<tenant id>/<media id>/<signature>.wav``.
mod_http_cache keeps the file on the node and fetches it again only when it expired, so a
call does not wait for the control plane after the first play.

mod_http_cache sends no credentials of its own, so the endpoint checks two things instead of
HTTP basic: the request comes from an address of an active switch node (as xml_curl's
allow-list), and the URL carries the HMAC of tenant and media id under the platform's secret,
which only the dialplan we render contains. A node that does send its xml_curl credentials
(e.g. a tool prefetching files) is authenticated as for xml_curl. Either way the file must
belong to the tenant named in the path: another tenant's file is not found, whatever is signed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from telephony.freeswitch.auth import address_allowed, authenticate_node, client_address

logger = logging.getLogger(__name__)

REDIS_ERRORS = (RedisError, OSError)
# How long nodes may keep a file before asking again (mod_http_cache honours max-age).
MEDIA_MAX_AGE = 24 * 3600
NODE_ADDRESSES_KEY = "fs:media:node-addresses"
NODE_ADDRESSES_TTL = 60


def builtin_source(kind: str) -> str:
    """The stock FreeSWITCH source played for the built-in default of a media kind."""
    from telephony.media.selectors import BUILTIN_SOURCES

    return BUILTIN_SOURCES[kind]


def signature(tenant_id: str, media_id: str) -> str:
    """Stable per file (so the node's cache keeps one copy), unguessable without the platform's secret."""
    message = f"media:{tenant_id}:{media_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def node_source(tenant_id: str, media_id: str) -> str:
    """What the dialplan plays for one of the tenant's converted files."""
    base = settings.FREESWITCH_MEDIA_URL or settings.SITE_URL
    return f"http_cache://{base.rstrip('/')}/freeswitch/media/{tenant_id}/{media_id}/{signature(tenant_id, media_id)}.wav"


def _node_addresses() -> tuple[str, ...]:
    try:
        cached = cache.get(NODE_ADDRESSES_KEY)
    except REDIS_ERRORS:
        cached = None
    if cached is not None:
        return cached
    from telephony.freeswitch.models import SwitchNode

    addresses = tuple(
        str(address)
        for allowed in SwitchNode.objects.filter(is_active=True).values_list("allowed_addresses", flat=True)
        for address in (allowed or ())
    )
    try:
        cache.set(NODE_ADDRESSES_KEY, addresses, NODE_ADDRESSES_TTL)
    except REDIS_ERRORS:
        logger.warning("media: node address cache unavailable")
    return addresses


def _allowed(request: HttpRequest, tenant_id: str, media_id: str, signed: str) -> bool:
    address = client_address(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR"))
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization:
        return authenticate_node(authorization, address, endpoint="media") is not None
    if not hmac.compare_digest(signed, signature(tenant_id, media_id)):
        logger.warning("media request refused: bad signature", extra={"remote": address, "tenant": tenant_id})
        return False
    if not address_allowed(address, _node_addresses()):
        logger.warning("media request refused: address not allowed", extra={"remote": address, "tenant": tenant_id})
        return False
    return True


@require_GET
def media_endpoint(request: HttpRequest, tenant_id: uuid.UUID, media_id: uuid.UUID, signed: str) -> HttpResponse:
    """One tenant's converted 16 kHz mono WAV, for a switch node."""
    from telephony.media.models import MediaFile
    from tenants.models import Tenant

    if not _allowed(request, str(tenant_id), str(media_id), signed):
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain", headers={"WWW-Authenticate": "Basic"})
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    media = MediaFile.objects.for_tenant(tenant).filter(pk=media_id).first() if tenant is not None else None
    converted = media.converted if media is not None else None
    if media is None and tenant is not None:
        # A company mailbox's uploaded greeting, named by its greeting id (telephony.voicemail).
        from telephony.voicemail.models import CompanyMailbox

        mailbox = CompanyMailbox.objects.for_tenant(tenant).filter(greeting_id=media_id).first()
        converted = mailbox.greeting_converted if mailbox is not None else None
    if not converted:
        return HttpResponseNotFound("not found\n", content_type="text/plain")
    response = FileResponse(converted.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = f"private, max-age={MEDIA_MAX_AGE}"
    return response
