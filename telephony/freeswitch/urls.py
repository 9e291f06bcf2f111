"""FreeSWITCH-facing endpoints: /freeswitch/xml/ and /freeswitch/cdr/ (node-authenticated, CSRF-exempt)."""

from django.urls import path

from telephony.freeswitch import media, views

urlpatterns = [
    path("xml/", views.xml_endpoint, name="freeswitch-xml"),
    path("cdr/", views.cdr_endpoint, name="freeswitch-cdr"),
    path("media/<uuid:tenant_id>/<uuid:media_id>/<str:signed>.wav", media.media_endpoint, name="freeswitch-media"),
]
