from django.urls import path

from telephony.freeswitch.portal import views

app_name = "switch"

urlpatterns = [
    path("nodes/", views.NodeListView.as_view(), name="node-list"),
    path("nodes/new/", views.NodeCreateView.as_view(), name="node-create"),
    path("nodes/<uuid:node_id>/", views.NodeDetailView.as_view(), name="node-detail"),
    path("trunks/", views.TrunkListView.as_view(), name="trunk-list"),
    path("trunks/new/", views.TrunkCreateView.as_view(), name="trunk-create"),
    path("trunks/<uuid:trunk_id>/", views.TrunkDetailView.as_view(), name="trunk-detail"),
    path("numbers/", views.NumberPoolView.as_view(), name="number-pool"),
    path("numbers/new/", views.NumberAddView.as_view(), name="number-add"),
    path("numbers/<uuid:number_id>/", views.NumberDetailView.as_view(), name="number-detail"),
    path("blocked/", views.BlockListView.as_view(), name="block-list"),
    path("tenants/<uuid:tenant_id>/extensions/", views.TenantExtensionsView.as_view(), name="tenant-extensions"),
]
