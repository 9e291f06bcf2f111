from django.urls import path

from centrex.webhooks.portal import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="endpoint-list"),
    path("new/", views.EndpointCreateView.as_view(), name="endpoint-create"),
    path("<uuid:endpoint_id>/", views.EndpointDetailView.as_view(), name="endpoint-detail"),
    path("<uuid:endpoint_id>/deliveries/", views.DeliveryListView.as_view(), name="delivery-list"),
    path("<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/", views.DeliveryDetailView.as_view(), name="delivery-detail"),
]
