"""Who is calling the app's own routes (not the Inngest endpoint, which Inngest signs).

The browser route that hands out realtime subscription tokens must know the caller:

* production: a bearer JWT (HS256) whose ``sub`` is the user id, signed with
  ``LECTURE_MEDIA_AUTH_JWT_SECRET`` (the secret the product's auth service signs sessions
  with); PyJWT verifies the signature and the expiry;
* dev mode (no secret, client not in production): the ``X-User-Id`` header is trusted, so
  the route can be tried locally;
* production without a secret: every call is refused with 503 and the fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias

import fastapi
import jwt

__all__ = [
    "AUTH_SECRET_VAR",
    "DEV_USER_HEADER",
    "Authenticator",
    "default_authenticator",
    "dev_header_authenticator",
    "jwt_authenticator",
]

Authenticator: TypeAlias = Callable[[fastapi.Request], Awaitable[str]]
AUTH_SECRET_VAR = "LECTURE_MEDIA_AUTH_JWT_SECRET"
DEV_USER_HEADER = "X-User-Id"
_LEEWAY_SECONDS = 30


def jwt_authenticator(secret: str) -> Authenticator:
    """Accept ``Authorization: Bearer <HS256 JWT>`` with a ``sub`` claim and an expiry."""

    async def authenticate(request: fastapi.Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("send Authorization: Bearer <session JWT>")
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"]},
                leeway=_LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"the session token was refused: {exc}") from None
        return str(claims["sub"])

    return authenticate


def dev_header_authenticator() -> Authenticator:
    """Dev mode only: trust the ``X-User-Id`` header."""

    async def authenticate(request: fastapi.Request) -> str:
        user = request.headers.get(DEV_USER_HEADER, "").strip()
        if not user:
            raise _unauthorized(f"dev mode: send the {DEV_USER_HEADER} header")
        return user

    return authenticate


def default_authenticator(env: Mapping[str, str], *, is_production: bool) -> Authenticator:
    """The authenticator the environment configures (see the module docstring)."""
    secret = env.get(AUTH_SECRET_VAR, "").strip()
    if secret:
        return jwt_authenticator(secret)
    if not is_production:
        return dev_header_authenticator()

    async def unconfigured(_request: fastapi.Request) -> str:
        raise fastapi.HTTPException(
            503,
            f"no user authentication is configured: set {AUTH_SECRET_VAR} to the secret "
            "session JWTs are signed with",
        )

    return unconfigured


def _unauthorized(detail: str) -> fastapi.HTTPException:
    return fastapi.HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})
