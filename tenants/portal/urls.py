from django.urls import path

from tenants.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("me/", views.MeView.as_view(), name="me"),
    path("portal/users/", views.UserListView.as_view(), name="user-list"),
    path("portal/users/invite/", views.UserInviteView.as_view(), name="user-invite"),
    path("portal/users/<uuid:membership_id>/", views.UserDetailView.as_view(), name="user-detail"),
    path("portal/licences/", views.LicenceView.as_view(), name="licences"),
    path("portal/audit/", views.AuditLogView.as_view(), name="audit-log"),
]
