from django.urls import path

from telephony.groups.portal import monitor_views

app_name = "monitor"

urlpatterns = [
    path("", monitor_views.MonitorView.as_view(), name="index"),
    path("fragment/", monitor_views.MonitorFragmentView.as_view(), name="fragment"),
]
