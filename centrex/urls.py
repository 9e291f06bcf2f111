"""Root URL configuration: portal, accounts, operations and (later) API and FreeSWITCH endpoints."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from centrex import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("api/", include("centrex.api.urls")),
    path("freeswitch/", include("telephony.freeswitch.urls")),
    path("operator/switch/", include("telephony.freeswitch.portal.urls")),
    path("operator/", include("tenants.portal.operator_urls")),
    path("portal/api-keys/", include("centrex.api.portal.urls")),
    path("portal/webhooks/", include("centrex.webhooks.portal.urls")),
    path("portal/directory/", include("telephony.directory.portal.urls")),
    path("portal/calls/", include("telephony.calls.portal.urls")),
    path("portal/media/", include("telephony.media.portal.urls")),
    path("portal/schedule/", include("telephony.forwarding.portal.urls")),
    path("portal/groups/", include("telephony.groups.portal.urls")),
    path("portal/monitor/", include("telephony.groups.portal.monitor_urls")),
    path("portal/contacts/", include("telephony.contacts.portal.urls")),
    path("portal/star-codes/", include("telephony.featurecodes.portal.urls")),
    path("portal/voicemail/", include("telephony.voicemail.portal.urls")),
    path("", include("tenants.portal.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
