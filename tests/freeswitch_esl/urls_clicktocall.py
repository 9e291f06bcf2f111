"""The project's URLs plus the click-to-call endpoint under /api/v1/ (until the lead lists it in ``centrex.api.urls``)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from centrex.urls import urlpatterns as project_urlpatterns
from telephony.calls.clicktocall import register

router = DefaultRouter()
register(router)
urlpatterns = [path("api/v1/", include(router.urls)), *project_urlpatterns]
