from django.urls import path

from telephony.media.portal import views

app_name = "media"

urlpatterns = [
    path("", views.MediaListView.as_view(), name="list"),
    path("upload/", views.MediaUploadView.as_view(), name="upload"),
    path("<uuid:media_id>/", views.MediaDetailView.as_view(), name="detail"),
    path("<uuid:media_id>/audio/", views.MediaFileView.as_view(), name="file"),
]
