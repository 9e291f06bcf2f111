"""The REST API: resources under /api/v1/, the OpenAPI schema and its docs (served locally).

Resources are contributed by the modules in ``API_MODULES``: each one that exists exposes
``register(router) -> None`` and registers its viewsets on the shared router.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

app_name = "api"

API_MODULES = [
    "centrex.api.resources",
    "tenants.api",
    "centrex.webhooks.api",
    "telephony.directory.api",
    "telephony.freeswitch.api",
    "telephony.calls.api",
    "telephony.calls.clicktocall",
    "telephony.media.api",
    "telephony.forwarding.api",
    "telephony.groups.api",
    "telephony.contacts.api",
    "telephony.featurecodes.api",
    "telephony.voicemail.api",
]


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def build_router() -> DefaultRouter:
    router = DefaultRouter()
    router.include_format_suffixes = False  # JSON only: no ".json" twin of every route
    for name in API_MODULES:
        if _module_exists(name):
            importlib.import_module(name).register(router)
    return router


router = build_router()

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
