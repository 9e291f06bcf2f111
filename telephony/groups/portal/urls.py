from django.urls import path

from telephony.groups.portal import views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("new/", views.GroupCreateView.as_view(), name="create"),
    path("<uuid:group_id>/", views.GroupEditView.as_view(), name="edit"),
    path("print/", views.GroupPrintView.as_view(), name="print-all"),
    path("<uuid:group_id>/print/", views.GroupPrintView.as_view(), name="print"),
]
