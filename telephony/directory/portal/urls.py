from django.urls import path

from telephony.directory.portal import views

app_name = "directory"

urlpatterns = [
    path("extensions/", views.ExtensionListView.as_view(), name="extension-list"),
    path("extensions/new/", views.ExtensionCreateView.as_view(), name="extension-create"),
    path("extensions/<uuid:extension_id>/", views.ExtensionDetailView.as_view(), name="extension-detail"),
    path("extensions/<uuid:extension_id>/delete/", views.ExtensionDeleteView.as_view(), name="extension-delete"),
    path("devices/<uuid:device_id>/", views.DeviceDetailView.as_view(), name="device-detail"),
    path("numbers/", views.PhoneNumberListView.as_view(), name="number-list"),
    path("numbers/<uuid:number_id>/", views.PhoneNumberDetailView.as_view(), name="number-detail"),
    path("settings/", views.TelephonySettingsView.as_view(), name="settings"),
]
