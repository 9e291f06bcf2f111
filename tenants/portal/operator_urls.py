from django.urls import path

from tenants.portal import operator_views as views

app_name = "operator"

urlpatterns = [
    path("tenants/", views.TenantListView.as_view(), name="tenant-list"),
    path("tenants/new/", views.TenantCreateView.as_view(), name="tenant-create"),
    path("tenants/<uuid:tenant_id>/", views.TenantDetailView.as_view(), name="tenant-detail"),
    path("audit/", views.OperatorAuditLogView.as_view(), name="audit-log"),
]
