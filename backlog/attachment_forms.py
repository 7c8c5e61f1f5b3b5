"""The file fields of the dashboard: attachments on a ticket, on a comment, on a new bug."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from backlog.uploads import accepted_extensions


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentFilesField(forms.FileField):
    """Several files in one input (``multiple``), each checked later from its bytes by the
    service: the ``accept`` list only helps the browser's file picker."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Files"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [single(file, initial) for file in files]
        return [file for file in cleaned if file]


def files_field_ready(field: forms.Field) -> None:
    """Give a files field, as a request renders it (the reader's language, today's settings),
    its hint and what the page's script checks before sending (static/js/attachments.js):
    the size limit, the number of files and the messages it shows."""
    limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    field.help_text = _("Screenshots, PDF, text or ZIP files, up to %(size)s each.") % {
        "size": limit
    }
    field.widget.attrs.update(
        {
            "accept": ",".join(accepted_extensions()),
            "data-max-bytes": str(settings.ATTACHMENT_MAX_BYTES),
            "data-max-files": str(settings.ATTACHMENTS_PER_UPLOAD),
            # Translators: NAME is replaced by the file's name; keep it as is.
            "data-too-large": _("“NAME” is larger than %(limit)s and cannot be attached.")
            % {"limit": limit},
            "data-too-many": _("Send at most %(count)d files at once.")
            % {"count": settings.ATTACHMENTS_PER_UPLOAD},
        }
    )


class AttachmentForm(forms.Form):
    """Files added to a ticket."""

    files = AttachmentFilesField(label=_("Attach files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        files_field_ready(self.fields["files"])

    def clean_files(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError(_("Choose a file to attach."), code="required")
        return files
