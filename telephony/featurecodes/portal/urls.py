from django.urls import path

from telephony.featurecodes.portal import views

app_name = "featurecodes"

urlpatterns = [
    path("", views.StarCodeListView.as_view(), name="list"),
    path("reset/", views.StarCodeResetView.as_view(), name="reset"),
    path("<uuid:code_id>/", views.StarCodeEditView.as_view(), name="edit"),
]
