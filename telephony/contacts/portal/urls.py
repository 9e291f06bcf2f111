from django.urls import path

from telephony.contacts.portal import views

app_name = "contacts"

urlpatterns = [
    path("", views.MyContactsView.as_view(), name="mine"),
    path("directory/", views.DirectoryView.as_view(), name="directory"),
    path("<uuid:contact_id>/", views.ContactEditView.as_view(), name="edit"),
]
