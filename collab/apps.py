from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollabConfig(AppConfig):
    name = "collab"
    verbose_name = _("Collaboration")

    def ready(self) -> None:
        # drf-spectacular's field extensions register as their module is imported.
        from collab.common import schema  # noqa: F401
