"""WebSocket URL routing. Each app that pushes events adds its consumer here."""

from django.urls import path

from frontend.consumers import EventConsumer

websocket_urlpatterns = [
    path("ws/events/", EventConsumer.as_asgi()),
]
