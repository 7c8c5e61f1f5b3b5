from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = _("Backlog")

    def ready(self) -> None:
        from backlog import checks  # noqa: F401  (registers the stored-ranking check)
