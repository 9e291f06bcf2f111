from django.urls import path

from telephony.forwarding.portal import profile_views, routing_views, views

app_name = "forwarding"

urlpatterns = [
    path("", views.ScheduleView.as_view(), name="schedule"),
    path("ranges/new/", views.TimeRangeCreateView.as_view(), name="range-create"),
    path("ranges/<uuid:range_id>/", views.TimeRangeEditView.as_view(), name="range-edit"),
    path("ranges/<uuid:range_id>/print/", views.TimeRangePrintView.as_view(), name="range-print"),
    path("holidays/<uuid:holiday_id>/delete/", views.HolidayDeleteView.as_view(), name="holiday-delete"),
    path("numbers/", routing_views.NumberListView.as_view(), name="numbers"),
    path("numbers/<uuid:number_id>/", routing_views.NumberRoutingView.as_view(), name="number-routing"),
    path("numbers/<uuid:number_id>/print/", routing_views.NumberPrintView.as_view(), name="number-print"),
    path("caller-id/", routing_views.CallerIdView.as_view(), name="caller-id"),
    path("caller-id/print/", routing_views.CallerIdPrintView.as_view(), name="caller-id-print"),
    path("caller-id/<uuid:rule_id>/delete/", routing_views.CallerIdRuleDeleteView.as_view(), name="caller-id-delete"),
    path(
        "extensions/<uuid:extension_id>/forwarding/",
        profile_views.ExtensionForwardingView.as_view(),
        name="extension-forwarding",
    ),
]
