"""The project's URLs plus ``/bench/floor/``: a bare Django view answering constant XML (the floor)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from centrex.urls import urlpatterns as project_urlpatterns

NOT_FOUND = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found" />\n  </section>\n</document>\n'
)


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(NOT_FOUND, content_type="text/xml")


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]
