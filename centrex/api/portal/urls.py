from django.urls import path

from centrex.api.portal import views

app_name = "apikeys"

urlpatterns = [
    path("", views.ApiKeyListView.as_view(), name="list"),
    path("new/", views.ApiKeyCreateView.as_view(), name="create"),
    path("<uuid:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="revoke"),
    path("operator/", views.OperatorApiKeyListView.as_view(), name="operator-list"),
    path("operator/new/", views.OperatorApiKeyCreateView.as_view(), name="operator-create"),
    path("operator/<uuid:key_id>/revoke/", views.OperatorApiKeyRevokeView.as_view(), name="operator-revoke"),
]
