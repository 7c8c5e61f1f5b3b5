"""Attachments through the API: the multipart upload's input and an attachment's output.

The upload names the file and, optionally, a comment of the same ticket written by the caller;
everything else about the file (its kind, size, pixels) is read from its bytes by the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from roles.api.serializers import PersonBriefOutputSerializer


# A multipart form: its values are text, so the type checks of the JSON inputs do not apply;
# an unknown field is still refused, naming it. (A comment, not a docstring: the schema would
# show it.)
class AttachmentUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "The file: a PNG, JPEG, GIF or WebP image, a PDF, a text, CSV or log file, or a ZIP "
            "archive (as the server accepts), read from its bytes. HTML, SVG and XML are refused."
        ),
        allow_empty_file=True,
        use_url=False,
    )
    comment = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("A comment of this ticket, written by the caller, to attach the file to."),
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("Unknown field: this endpoint does not accept it.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    content_url = serializers.SerializerMethodField(
        help_text=_("Where the file's bytes are read (the same authorisation as this API).")
    )
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField(
        help_text=_("The type read from the file's bytes, never the one the uploader sent.")
    )
    size = serializers.IntegerField(help_text=_("In bytes."))
    width = serializers.IntegerField(allow_null=True, help_text=_("Pixels, for an image."))
    height = serializers.IntegerField(allow_null=True, help_text=_("Pixels, for an image."))
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    uploaded_by = PersonBriefOutputSerializer()
    created_at = serializers.DateTimeField()

    def _route_kwargs(self, attachment: Any) -> dict[str, Any]:
        return {
            "slug": self.context["engagement"].slug,
            "key": self.context["ticket"].key,
            "pk": attachment.pk,
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: Any) -> str:
        return reverse(
            "api-attachment-detail",
            kwargs=self._route_kwargs(attachment),
            request=self.context.get("request"),
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_content_url(self, attachment: Any) -> str:
        return reverse(
            "api-attachment-content",
            kwargs=self._route_kwargs(attachment),
            request=self.context.get("request"),
        )
