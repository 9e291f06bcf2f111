from django.urls import path

from telephony.voicemail.portal import views

app_name = "voicemail"

urlpatterns = [
    path("", views.MailboxListView.as_view(), name="list"),
    path("numbers/<uuid:number_id>/", views.MailboxView.as_view(), name="mailbox"),
    path("numbers/<uuid:number_id>/greeting/", views.GreetingFileView.as_view(), name="greeting"),
]
