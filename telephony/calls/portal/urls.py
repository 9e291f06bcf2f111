from django.urls import path

from telephony.calls.portal import views

app_name = "calls"

urlpatterns = [
    path("", views.MyCallRecordListView.as_view(), name="my-records"),
    path("all/", views.TenantCallRecordListView.as_view(), name="records"),
]
