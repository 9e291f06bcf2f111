"""ASGI entry point: HTTP through Django, WebSocket through Channels with session auth."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centrex.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from centrex.routing import websocket_urlpatterns  # noqa: E402
from telephony.freeswitch.views import FreeswitchEndpoints  # noqa: E402

application = ProtocolTypeRouter(
    {
        # POST /freeswitch/xml/ and /freeswitch/cdr/ are answered without Django's middleware (hot path).
        "http": FreeswitchEndpoints(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
