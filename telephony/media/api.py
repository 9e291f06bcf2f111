"""REST resources of the media app: list, upload (multipart), rename, delete, download."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer
from centrex.api.viewsets import TenantGenericViewSet
from telephony.media import services
from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile

EXAMPLE = {
    "id": "8d1f2c3b-4a5e-4f60-9b7a-1c2d3e4f5a6b",
    "kind": "moh",
    "name": "Jazz",
    "original_name": "jazz.mp3",
    "original_format": "mp3",
    "duration_ms": 184000,
    "size_bytes": 2950112,
    "created_at": "2026-11-22T08:00:00Z",
}


class MediaFileSerializer(CentrexModelSerializer):
    class Meta:
        model = MediaFile
        fields = ["id", "kind", "name", "original_name", "original_format", "duration_ms", "size_bytes", "created_at"]
        read_only_fields = fields


class MediaUploadSerializer(CentrexSerializer):
    kind = serializers.ChoiceField(choices=MediaKind.choices)
    name = serializers.CharField(max_length=100)
    upload = serializers.FileField(help_text="A WAV or MP3 file of at most 4 MB.")


class MediaRenameSerializer(CentrexSerializer):
    name = serializers.CharField(max_length=100)


@extend_schema_view(
    list=extend_schema(summary="List media files", examples=[OpenApiExample("Media file", value=EXAMPLE, response_only=True)]),
    retrieve=extend_schema(
        summary="Show a media file", examples=[OpenApiExample("Media file", value=EXAMPLE, response_only=True)]
    ),
    create=extend_schema(
        summary="Upload a media file",
        description="Multipart upload. The audio is decoded: only real WAV or MP3 files of at most 4 MB are accepted, "
        "at most 10 of each kind per tenant.",
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaFileSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename a media file", request=MediaRenameSerializer, responses={200: MediaFileSerializer}
    ),
    destroy=extend_schema(summary="Delete a media file"),
)
class MediaFileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    queryset = MediaFile.objects.all()
    serializer_class = MediaFileSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["kind"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = MediaUploadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        media = services.check_upload_media(self.tenant, actor=self.actor, **data.validated_data)
        return Response(MediaFileSerializer(media).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        media = self.get_object()  # another tenant's media answers 404 before the body is looked at
        data = MediaRenameSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        media = services.check_rename_media(self.tenant, actor=self.actor, media=media, name=data.validated_data["name"])
        return Response(MediaFileSerializer(media).data)

    def perform_destroy(self, instance: MediaFile) -> None:
        services.check_delete_media(self.tenant, actor=self.actor, media=instance)

    @extend_schema(
        summary="Download a media file",
        parameters=[
            OpenApiParameter("original", OpenApiTypes.BOOL, description="The upload as it was, instead of the converted WAV.")
        ],
        responses={(200, "audio/wav"): OpenApiTypes.BINARY, (200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def audio(self, request: Request, pk: str | None = None) -> FileResponse:
        media = self.get_object()
        if request.query_params.get("original") in {"1", "true"}:
            return FileResponse(media.original.open("rb"), as_attachment=True, filename=media.original_name)
        return FileResponse(media.converted.open("rb"), content_type="audio/wav")


def register(router: Any) -> None:
    router.register("media", MediaFileViewSet, basename="media")
