"""API keys: every service checks them the same way, without calling another service.

Intake issues and revokes keys and publishes ``api_key.issued.v1`` / ``api_key.revoked.v1``
on ``auth.api_keys``; every service consumes that topic into the ``api_key`` table of its
own schema, which holds only SHA-256 hashes (keys are 256-bit random, so a plain hash is
enough and lets a key be found by its hash). ``HANDOFF_BOOTSTRAP_API_KEY`` is an admin key
given to every service through the environment, so a deployment starts with one known key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Forbidden, Unauthenticated
from shared.events import ApiKeyIssuedV1, ApiKeyRevokedV1, Envelope, Scope
from shared.kafka.runner import Handler, HandlerContext

KEY_PREFIX = "hk_"
BOOTSTRAP_KEY_ID = "bootstrap"


def define_api_key_table(metadata: MetaData) -> Table:
    """The key hashes a service accepts, in its own schema."""
    return Table(
        "api_key",
        metadata,
        Column("key_id", String(32), primary_key=True),
        Column("name", String(100), nullable=False),
        Column("scopes", ARRAY(String(20)), nullable=False),
        Column("key_hash", String(64), nullable=False, unique=True),
        Column("issued_at", DateTime(timezone=True), nullable=False),
        Column("revoked_at", DateTime(timezone=True)),
    )


def new_key() -> tuple[str, str]:
    """A fresh ``(key_id, key)``; the key is shown once and never stored."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who called: the key's id and name, and what it may do."""

    key_id: str
    name: str
    scopes: frozenset[Scope]

    def allows(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


async def find_key(session: AsyncSession, table: Table, key: str) -> Principal | None:
    """The principal of an unrevoked key, looked up by hash."""
    row = (
        await session.execute(
            select(table.c.key_id, table.c.name, table.c.scopes).where(
                table.c.key_hash == hash_key(key), table.c.revoked_at.is_(None)
            )
        )
    ).first()
    if row is None:
        return None
    return Principal(row.key_id, row.name, frozenset(Scope(s) for s in row.scopes))


async def store_issued(session: AsyncSession, table: Table, issued: ApiKeyIssuedV1) -> None:
    """Remember a key's hash; replaying the event changes nothing."""
    await session.execute(
        insert(table)
        .values(
            key_id=issued.key_id,
            name=issued.name,
            scopes=[s.value for s in issued.scopes],
            key_hash=issued.key_hash,
            issued_at=issued.issued_at,
        )
        .on_conflict_do_nothing(index_elements=["key_id"])
    )


async def store_revoked(session: AsyncSession, table: Table, revoked: ApiKeyRevokedV1) -> None:
    await session.execute(
        update(table)
        .where(table.c.key_id == revoked.key_id, table.c.revoked_at.is_(None))
        .values(revoked_at=revoked.revoked_at)
    )


async def _on_issued(event: Envelope[ApiKeyIssuedV1], ctx: HandlerContext, *, table: Table) -> None:
    """Consumes ``api_key.issued.v1``; idempotent by key id."""
    await store_issued(ctx.session, table, event.data)


async def _on_revoked(
    event: Envelope[ApiKeyRevokedV1], ctx: HandlerContext, *, table: Table
) -> None:
    """Consumes ``api_key.revoked.v1``; revoking twice keeps the first time."""
    await store_revoked(ctx.session, table, event.data)


def key_handlers(table: Table) -> dict[str, Handler]:
    """The handlers every service's runtime registers to keep its key table current."""
    return {
        ApiKeyIssuedV1.event_type: partial(_on_issued, table=table),
        ApiKeyRevokedV1.event_type: partial(_on_revoked, table=table),
    }


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_…`")

Authenticator = Callable[[str], Awaitable[Principal | None]]

# Each dependency ``require`` made, with its scopes, so a test can prove every route has one.
_SCOPE_CHECKS: dict[Callable[..., Any], tuple[Scope, ...]] = {}


def required_scopes(call: Callable[..., Any] | None) -> tuple[Scope, ...] | None:
    """The scopes a dependency made by ``require`` admits; None for any other callable."""
    return _SCOPE_CHECKS.get(call) if call is not None else None


def require(*scopes: Scope) -> Any:
    """A dependency admitting callers whose key has one of ``scopes`` (or ``admin``).

    401 when the key is missing or unknown, 403 when it lacks every one of the scopes.
    """
    if not scopes:
        raise ValueError("require() needs at least one scope")

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("send an API key: Authorization: Bearer <key>")
        authenticate: Authenticator = request.app.state.authenticate
        principal = await authenticate(credentials.credentials)
        if principal is None:
            raise Unauthenticated("unknown or revoked API key")
        if not any(principal.allows(scope) for scope in scopes):
            names = "' or '".join(scope.value for scope in scopes)
            raise Forbidden(f"this key lacks the '{names}' scope")
        return principal

    _SCOPE_CHECKS[dependency] = scopes
    return Depends(dependency)


def bootstrap_principal(key: str, bootstrap_key: str | None) -> Principal | None:
    """The admin principal when ``key`` is the bootstrap key (constant-time comparison)."""
    if bootstrap_key and hmac.compare_digest(hash_key(key), hash_key(bootstrap_key)):
        return Principal(BOOTSTRAP_KEY_ID, "bootstrap", frozenset({Scope.ADMIN}))
    return None
