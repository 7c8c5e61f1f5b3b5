"""Bearer API tokens: ``Authorization: Bearer tdm_…``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from collab.services import api_token_authenticate

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.request import Request

    from collab.models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates an integration by its token; ``request.user`` is then the token itself,
    which the policy treats as a principal scoped to one engagement."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiToken, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: use “Bearer <token>”.")
            )
        try:
            raw_key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = api_token_authenticate(raw_key=raw_key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return (token, token)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer tokens in the OpenAPI schema (and the docs' Authorize button)."""

    target_class = BearerTokenAuthentication
    match_subclasses = True
    name = "bearerToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tdm_<prefix>_<secret>",
            "description": str(_("An API token created for one engagement, read or write scope.")),
        }
