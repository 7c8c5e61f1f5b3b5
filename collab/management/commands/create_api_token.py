"""Issue a bearer token for one engagement and print its key, once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from collab.models import ApiToken, Engagement
from collab.selectors import person_get_by_email
from collab.services import api_token_create


class Command(BaseCommand):
    # argparse needs a plain string, so this one is translated when the command loads.
    help = _("Create an API token for an engagement and print its key; the key is shown only once.")

    def add_arguments(self, parser):
        parser.add_argument("--engagement", required=True, help=_("The engagement's slug."))
        parser.add_argument("--scope", required=True, help=_("read, or write (read and write)."))
        parser.add_argument("--name", required=True, help=_("What the token is for."))
        parser.add_argument(
            "--created-by", dest="created_by", default="", help=_("Email of the person issuing it.")
        )

    def handle(self, *args, engagement, scope, name, created_by, **options):
        if scope not in ApiToken.Scope.values:
            raise CommandError(
                _("Unknown scope “%(scope)s”: use %(choices)s.")
                % {"scope": scope, "choices": " or ".join(ApiToken.Scope.values)}
            )
        target = Engagement.objects.filter(slug=engagement).first()
        if target is None:
            raise CommandError(_("No engagement has the slug “%(slug)s”.") % {"slug": engagement})
        person = None
        if created_by:
            person = person_get_by_email(email=created_by.strip())
            if person is None:
                raise CommandError(
                    _("No one has an account with “%(email)s”.") % {"email": created_by}
                )
        if not name.strip():
            raise CommandError(_("Name the token, for example “CI pipeline”."))
        try:
            issued = api_token_create(engagement=target, name=name, scope=scope, created_by=person)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        token = issued.token
        self.stdout.write(
            _("Created the %(scope)s token “%(name)s” for %(engagement)s (prefix %(prefix)s).")
            % {
                "scope": token.scope,
                "name": token.name,
                "engagement": target.slug,
                "prefix": token.prefix,
            }
        )
        self.stdout.write(issued.raw_key)
        self.stdout.write(_("Copy this key now: it is stored hashed and will not be shown again."))
