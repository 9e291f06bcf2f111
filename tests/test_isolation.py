"""Tenant isolation across every URL of the project: another tenant's object id answers 404.

The URL patterns are discovered from the resolver at collection time, so a new portal page or
API route is tested as soon as it is added. Each path parameter must be explained here:

* ``KWARG_MODELS`` maps a portal kwarg name (``membership_id``) to the model whose id it carries;
* DRF routes (``pk`` or the viewset's ``lookup_url_kwarg``) are mapped through the view's own
  queryset / serializer model, so routers need no entry;
* ``OBJECT_FACTORIES`` builds (or picks) an object of a model that belongs to a given tenant.

A kwarg or model that is not explained makes the test fail with a message that says what to add:
a new URL cannot silently escape the check. Every method the view accepts is tried (writes
included: a write that reaches the other tenant's object would fail the test, not pass it), and
a control request with acme's own object proves the 404 comes from tenant scoping, not from a
malformed URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.views.generic import RedirectView
from rest_framework import routers, serializers, viewsets
from rest_framework.decorators import action

from tenants.models import AuditEntry, Licence, Membership, Tenant, User
from tests.conftest import PASSWORD, TenantSet

# URL prefixes and namespaces that are not tenant portal or tenant API pages.
# freeswitch/ answers the switch with signed URLs, not a user session.
SKIPPED_PREFIXES = ("accounts/", "i18n/", "django-admin/", "operator/", "static/", "media/", "freeswitch/")
# Operator-only sub-trees inside the portal and the API (/api/v1/operator/..., /portal/api-keys/operator/...).
OPERATOR_SEGMENT = "operator/"
SKIPPED_NAMESPACES = {"operator", "switch", "admin", "djdt"}
# Path parameters that carry no object (DRF's format suffix) and the value used for them.
NON_OBJECT_KWARGS = {"format": "json"}
# Portal kwarg name -> "app_label.Model" whose primary key it carries.
KWARG_MODELS: dict[str, str] = {
    "membership_id": "tenants.Membership",
    "tenant_id": "tenants.Tenant",
    "user_id": "tenants.User",
    "licence_id": "tenants.Licence",
    "entry_id": "tenants.AuditEntry",
    "extension_id": "directory.Extension",
    "device_id": "directory.Device",
    "number_id": "directory.PhoneNumber",
    "endpoint_id": "webhooks.WebhookEndpoint",
    "delivery_id": "webhooks.WebhookDelivery",
    "key_id": "api.ApiKey",
    "media_id": "media.MediaFile",
    "range_id": "forwarding.TimeRange",
    "holiday_id": "forwarding.Holiday",
    "rule_id": "forwarding.CallerIdRule",
    "group_id": "groups.HuntGroup",
    "contact_id": "contacts.Contact",
    "code_id": "featurecodes.StarCode",
}
# GET on acme's own object is expected to answer 404 for these view names:
# a number's voicemail greeting exists only once uploaded (the factory uploads none).
NO_OWN_OBJECT_CONTROL: set[str] = {"voicemail:greeting"}
WRITE_METHODS = ("post", "put", "patch", "delete")


def _audit_entry(tenants: TenantSet) -> AuditEntry:
    return AuditEntry.objects.for_tenant(tenants.tenant).order_by("created_at").first()


def _licence(tenants: TenantSet) -> Licence:
    return Licence.objects.for_tenant(tenants.tenant).order_by("created_at").first()


def _extension(tenants: TenantSet) -> models.Model:
    from telephony.directory import services as directory_services
    from telephony.directory.models import Extension

    existing = Extension.objects.for_tenant(tenants.tenant).order_by("number").first()
    return existing or directory_services.check_create_extension(
        tenants.tenant, actor=None, number="1001", display_name="Isolation"
    )


def _device(tenants: TenantSet) -> models.Model:
    from telephony.directory import services as directory_services
    from telephony.directory.models import Device

    existing = Device.objects.for_tenant(tenants.tenant).order_by("sip_username").first()
    return existing or directory_services.check_create_device(tenants.tenant, actor=None, extension=_extension(tenants))[0]


def _phone_number(tenants: TenantSet) -> models.Model:
    from telephony.directory import services as directory_services
    from telephony.directory.models import PhoneNumber

    existing = PhoneNumber.objects.for_tenant(tenants.tenant).order_by("number").first()
    number = f"+4930{1000000 + PhoneNumber.objects.count()}"
    return existing or directory_services.check_add_phone_number(actor=None, number=number, tenant=tenants.tenant)


def _company_mailbox(tenants: TenantSet) -> models.Model:
    from telephony.voicemail import services as voicemail_services

    return voicemail_services.ensure_mailbox(tenants.tenant, actor=None, phone_number=_phone_number(tenants))


def _telephony_settings(tenants: TenantSet) -> models.Model:
    from telephony.directory.selectors import telephony_settings

    return telephony_settings(tenants.tenant)


def _call_record(tenants: TenantSet) -> models.Model:
    from tests.cdr.factories import record_call

    return record_call(tenants.tenant)


def _webhook_endpoint(tenants: TenantSet) -> models.Model:
    from centrex.webhooks import services as webhook_services
    from centrex.webhooks.models import WebhookEndpoint

    existing = WebhookEndpoint.objects.for_tenant(tenants.tenant).order_by("created_at").first()
    return existing or webhook_services.check_create_endpoint(
        tenants.tenant, actor=None, url="http://127.0.0.1:9/isolation", event_types=["call.started"]
    )


def _webhook_delivery(tenants: TenantSet) -> models.Model:
    from centrex.webhooks import services as webhook_services
    from centrex.webhooks.models import WebhookDelivery

    endpoint = _webhook_endpoint(tenants)
    existing = WebhookDelivery.objects.for_tenant(tenants.tenant).filter(endpoint=endpoint).first()
    # Queued after commit, which never comes inside a test's transaction: nothing is sent.
    return existing or webhook_services.do_send_test_event(tenants.tenant, actor=None, endpoint=endpoint)


def _api_key(tenants: TenantSet) -> models.Model:
    from centrex.api import services as api_services
    from centrex.api.models import ApiKey

    existing = ApiKey.objects.filter(tenant=tenants.tenant).order_by("created_at").first()
    return (
        existing
        or api_services.check_create_api_key(tenants.tenant, actor=tenants.admin, name="isolation", scopes=["directory:read"])[0]
    )


def _media_file(tenants: TenantSet) -> models.Model:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from telephony.media import services as media_services
    from telephony.media.choices import MediaKind
    from telephony.media.models import MediaFile
    from tests.media.test_media import make_wav

    existing = MediaFile.objects.for_tenant(tenants.tenant).order_by("created_at").first()
    upload = SimpleUploadedFile("isolation.wav", make_wav(0.2), content_type="audio/wav")
    return existing or media_services.check_upload_media(
        tenants.tenant, actor=None, kind=MediaKind.ANNOUNCEMENT, name="Isolation", upload=upload
    )


def _time_range(tenants: TenantSet) -> models.Model:
    from telephony.forwarding.models import TimeRange

    # Every tenant gets the office-hours range when it is created.
    return TimeRange.objects.for_tenant(tenants.tenant).order_by("name").first()


def _holiday(tenants: TenantSet) -> models.Model:
    import datetime

    from telephony.forwarding import services as forwarding_services
    from telephony.forwarding.models import Holiday

    existing = Holiday.objects.for_tenant(tenants.tenant).order_by("start_date").first()
    return existing or forwarding_services.check_add_holiday(
        tenants.tenant, actor=None, label="Isolation", start_date=datetime.date(2030, 12, 24)
    )


def _caller_id_rule(tenants: TenantSet) -> models.Model:
    from telephony.directory import services as directory_services
    from telephony.forwarding import services as forwarding_services
    from telephony.forwarding.models import CallerIdRule

    existing = CallerIdRule.objects.for_tenant(tenants.tenant).first()
    if existing:
        return existing
    main = _phone_number(tenants)
    other = directory_services.check_add_phone_number(
        actor=None, number=f"+4930{2000000 + main.__class__.objects.count()}", tenant=tenants.tenant
    )
    return forwarding_services.check_save_caller_id_rule(tenants.tenant, actor=None, presented_number=main.pk, numbers=[other.pk])


def _hunt_group(tenants: TenantSet) -> models.Model:
    from telephony.groups import services as group_services
    from telephony.groups.models import HuntGroup
    from telephony.groups.services import GroupInput

    existing = HuntGroup.objects.for_tenant(tenants.tenant).order_by("short_number").first()
    return existing or group_services.check_create_group(
        tenants.tenant, actor=None, data=GroupInput(name="Isolation", short_number="480", members=[_extension(tenants).pk])
    )


def _contact(tenants: TenantSet) -> models.Model:
    from telephony.contacts import services as contact_services
    from telephony.contacts.models import Contact
    from telephony.contacts.services import ContactInput

    existing = Contact.objects.for_tenant(tenants.tenant).filter(owner=None).order_by("name").first()
    return existing or contact_services.check_create_contact(
        tenants.tenant,
        actor=tenants.admin,
        data=ContactInput(name="Isolation GmbH", numbers=[("work", "089 7654321")]),
        is_global=True,
    )


def _star_code(tenants: TenantSet) -> models.Model:
    from telephony.featurecodes.models import StarCode

    # Every tenant gets its star codes when it is created.
    return StarCode.objects.for_tenant(tenants.tenant).order_by("kind").first()


def _forwarding_profile(tenants: TenantSet) -> models.Model:
    from telephony.forwarding.models import ForwardingProfile

    # Every extension gets its default profile when it is created.
    return ForwardingProfile.objects.for_tenant(tenants.tenant).get(extension=_extension(tenants), is_default=True)


def _forwarding_rule(tenants: TenantSet) -> models.Model:
    from telephony.forwarding import services as forwarding_services
    from telephony.forwarding.models import ForwardingRule

    profile = _forwarding_profile(tenants)
    existing = ForwardingRule.objects.for_tenant(tenants.tenant).filter(profile=profile).first()
    return existing or forwarding_services.check_set_rule(
        tenants.tenant, actor=None, profile=profile, condition="busy", target="voicemail"
    )


def _selective_rule(tenants: TenantSet) -> models.Model:
    from telephony.forwarding import services as forwarding_services
    from telephony.forwarding.choices import SelectiveMatch
    from telephony.forwarding.models import ForwardingProfile, SelectiveRule

    existing = SelectiveRule.objects.for_tenant(tenants.tenant).first()
    if existing is not None:
        return existing
    extension = _extension(tenants)
    # Selective rules live on a profile other than the default one.
    profile = ForwardingProfile.objects.for_tenant(tenants.tenant).filter(extension=extension, is_default=False).first()
    profile = profile or forwarding_services.check_create_profile(
        tenants.tenant, actor=None, extension=extension, slot=9, name="Isolation"
    )
    return forwarding_services.check_set_selective_rule(
        tenants.tenant,
        actor=None,
        profile=profile,
        selection=forwarding_services.CallerSelection(SelectiveMatch.ANONYMOUS),
        allow=True,
    )


# "app_label.Model" -> a function returning an object of that model belonging to the tenant set.
OBJECT_FACTORIES: dict[str, Callable[[TenantSet], models.Model]] = {
    "tenants.Tenant": lambda tenants: tenants.tenant,
    "tenants.Membership": lambda tenants: tenants.user_membership,
    "tenants.User": lambda tenants: tenants.user,
    "tenants.Licence": _licence,
    "tenants.AuditEntry": _audit_entry,
    "directory.Extension": _extension,
    "calls.CallRecord": _call_record,
    "directory.Device": _device,
    "directory.PhoneNumber": _phone_number,
    "voicemail.CompanyMailbox": _company_mailbox,
    "directory.TelephonySettings": _telephony_settings,
    "webhooks.WebhookEndpoint": _webhook_endpoint,
    "webhooks.WebhookDelivery": _webhook_delivery,
    "api.ApiKey": _api_key,
    "media.MediaFile": _media_file,
    "forwarding.TimeRange": _time_range,
    "forwarding.Holiday": _holiday,
    "forwarding.CallerIdRule": _caller_id_rule,
    "groups.HuntGroup": _hunt_group,
    "contacts.Contact": _contact,
    "featurecodes.StarCode": _star_code,
    "forwarding.ForwardingProfile": _forwarding_profile,
    "forwarding.ForwardingRule": _forwarding_rule,
    "forwarding.SelectiveRule": _selective_rule,
}


@dataclass(frozen=True)
class Route:
    """One URL pattern with path parameters, as found in the resolver."""

    route: str
    view_name: str | None
    callback: Any
    kwargs: tuple[str, ...]
    method: str = "get"
    problems: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return f"{self.method.upper()} /{self.route}"


def _pattern_kwargs(pattern: URLPattern | URLResolver) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def _walk(
    resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = (), kwargs: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...], URLPattern, tuple[str, ...]]]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        found = kwargs + tuple(_pattern_kwargs(pattern))
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern, route, inner, found)
        else:
            yield route, namespaces, pattern, found


def _allowed_methods(callback: Any) -> list[str]:
    """The HTTP methods the view answers, DRF viewsets and Django class-based views alike."""
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        # A viewset may narrow its router's methods (no PUT, say) with http_method_names.
        allowed = getattr(view_class, "http_method_names", (*WRITE_METHODS, "get"))
        return [method for method in ("get", *WRITE_METHODS) if method in actions and method in allowed]
    if view_class is None:
        # A function view: it must answer every method with the same scoping; GET is the common one.
        return ["get"]
    return [
        method for method in ("get", *WRITE_METHODS) if method in view_class.http_method_names and hasattr(view_class, method)
    ]


def discover_routes(urlconf: str | None = None) -> list[Route]:
    """Every (pattern, method) with object parameters outside the skipped prefixes and namespaces."""
    routes = []
    for route, namespaces, pattern, kwargs in _walk(get_resolver(urlconf)):
        plain = route.replace("^", "")
        operator_only = f"/{OPERATOR_SEGMENT}" in f"/{plain}"
        if plain.startswith(SKIPPED_PREFIXES) or operator_only or SKIPPED_NAMESPACES.intersection(namespaces):
            continue
        if not set(kwargs) - set(NON_OBJECT_KWARGS):
            continue
        view_name = ":".join((*namespaces, pattern.name)) if pattern.name else None
        for method in _allowed_methods(pattern.callback):
            routes.append(Route(route, view_name, pattern.callback, tuple(dict.fromkeys(kwargs)), method))
    return routes


ROUTES = discover_routes()


def _view_model(callback: Any) -> type[models.Model] | None:
    """The model a DRF viewset or a Django generic view works on, read from its class."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    if getattr(view_class, "model", None) is not None:
        return view_class.model
    serializer_class = getattr(view_class, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    return getattr(meta, "model", None)


def _lookup(callback: Any) -> tuple[str | None, str]:
    """(URL kwarg, model field) of a DRF view's or Django generic view's object lookup."""
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None, "pk"
    if hasattr(view_class, "lookup_field"):  # DRF
        return view_class.lookup_url_kwarg or view_class.lookup_field, view_class.lookup_field
    return getattr(view_class, "pk_url_kwarg", "pk"), "pk"


def _object_for(route: Route, kwarg: str, tenants: TenantSet) -> Any:
    """The value of ``kwarg`` pointing at an object of ``tenants``; fails with advice when unknown."""
    if kwarg in NON_OBJECT_KWARGS:
        return NON_OBJECT_KWARGS[kwarg]
    lookup_kwarg, lookup_field = _lookup(route.callback)
    if kwarg in KWARG_MODELS:
        model_label, attribute = KWARG_MODELS[kwarg], "pk"
    elif kwarg == lookup_kwarg and (model := _view_model(route.callback)) is not None:
        model_label, attribute = model._meta.label, lookup_field
    else:
        pytest.fail(
            f"{route}: the path parameter {kwarg!r} is unknown to the isolation test. Add it to KWARG_MODELS in "
            "tests/test_isolation.py (kwarg -> 'app_label.Model'), or give the view a queryset/model."
        )
    factory = OBJECT_FACTORIES.get(model_label)
    if factory is None:
        pytest.fail(
            f"{route}: no way to make a {model_label} of a given tenant. Add a factory to OBJECT_FACTORIES in "
            "tests/test_isolation.py (it receives a TenantSet and returns an object of that tenant)."
        )
    obj = factory(tenants)
    assert obj is not None, f"the factory for {model_label} returned nothing for {tenants.tenant.slug}"
    return getattr(obj, attribute)


def _url(route: Route, tenants: TenantSet, urlconf: str | None = None) -> str:
    if route.view_name is None:
        pytest.fail(f"{route}: give the URL pattern a name so the isolation test can build its URL.")
    kwargs = {kwarg: _object_for(route, kwarg, tenants) for kwarg in route.kwargs}
    return reverse(route.view_name, kwargs=kwargs, urlconf=urlconf)


def _request(client: Client, method: str, url: str) -> Any:
    if method in {"put", "patch"}:
        return getattr(client, method)(url, data=json.dumps({}), content_type="application/json")
    return getattr(client, method)(url)


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Any, settings: Any) -> None:
    """Uploaded media of the media factory go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme_admin_session(acme: TenantSet) -> Client:
    """Acme's admin, logged in and re-authenticated through the real forms, as the admin pages demand."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": acme.admin.email, "password": PASSWORD})
    assert response.status_code == 302, "the acme admin could not log in"
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, "the acme admin could not re-authenticate"
    return client


def test_discovery_finds_the_known_tenant_pages() -> None:
    # given the project's URL configuration
    # when the routes with object parameters are discovered
    found = {(route.view_name, route.method) for route in ROUTES}
    # then the user page is among them, GET and POST, and operator pages are not
    assert ("portal:user-detail", "get") in found
    assert ("portal:user-detail", "post") in found
    assert not any(name and name.startswith("operator:") for name, _ in found)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_request_with_other_tenants_object_answers_404(
    route: Route, acme_admin_session: Client, acme: TenantSet, globex: TenantSet
) -> None:
    # given acme's admin and a URL that points at globex's object
    url = _url(route, globex)
    # when the admin requests it
    response = _request(acme_admin_session, route.method, url)
    # then the object is not found, as if it did not exist
    assert response.status_code == 404, f"{route} with globex's ids ({url}) answered {response.status_code}, not 404"
    if route.method == "get" and route.view_name not in NO_OWN_OBJECT_CONTROL:
        # and acme's own object is found, so the 404 above came from the tenant scoping
        own_url = _url(route, acme)
        own = acme_admin_session.get(own_url)
        assert own.status_code != 404, f"{route} with acme's own ids ({own_url}) answered 404; the URL is not testing scoping"


def _owner_id(obj: models.Model) -> Any:
    if isinstance(obj, Tenant):
        return obj.pk
    if isinstance(obj, User):
        return obj.membership.tenant_id
    return obj.tenant_id


def test_object_factories_make_objects_of_the_given_tenant(acme: TenantSet, globex: TenantSet) -> None:
    for label, factory in OBJECT_FACTORIES.items():
        # given a registered factory
        model = apps.get_model(label)
        # when it makes an object for globex
        obj = factory(globex)
        # then the object is stored and belongs to globex
        assert model.objects.filter(pk=obj.pk).exists(), label
        assert _owner_id(obj) == globex.tenant.pk, f"the {label} factory made an object outside globex"


# A stand-in URL configuration that proves the discovery handles what later issues will add:
# a DRF router (pk, format suffix, extra action) and a portal page with a kwarg nobody explained.
class _MembershipViewSet(viewsets.ModelViewSet):
    queryset = Membership.objects.none()
    serializer_class = serializers.Serializer

    @action(detail=True, methods=["post"])
    def reinvite(self, request: Any, pk: str) -> None:
        raise NotImplementedError  # never called: the test only builds URLs


_router = routers.DefaultRouter()
_router.register("memberships", _MembershipViewSet, basename="membership")
urlpatterns = [
    path("api/v1/", include((_router.urls, "api"), namespace="v1")),
    path("portal/widgets/<uuid:widget_id>/", RedirectView.as_view(url="/"), name="widget-detail"),
    path("operator/widgets/<uuid:widget_id>/", RedirectView.as_view(url="/"), name="operator-widget"),
]


def test_discovery_maps_router_routes_and_rejects_unknown_kwargs(globex: TenantSet) -> None:
    # given a URL configuration with an API router and a portal page with an unexplained kwarg
    # when its routes are discovered
    routes = {(route.view_name, route.method): route for route in discover_routes(__name__)}
    # then the router's detail route is tried with every method, the extra action with POST
    assert {method for name, method in routes if name == "v1:membership-detail"} == {"get", "put", "patch", "delete"}
    assert ("v1:membership-reinvite", "post") in routes
    assert not any(name == "operator-widget" for name, _ in routes)
    # and pk is mapped through the viewset's model to globex's membership, also with the format suffix
    detail = routes[("v1:membership-detail", "get")]
    assert _url(detail, globex, urlconf=__name__).endswith(f"/memberships/{globex.user_membership.pk}.json")
    # and the unexplained kwarg fails with advice instead of being skipped
    with pytest.raises(pytest.fail.Exception, match=r"widget_id.*KWARG_MODELS"):
        _url(routes[("widget-detail", "get")], globex, urlconf=__name__)
