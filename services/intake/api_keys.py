"""Intake's admin API for API keys: issue, list, rotate, revoke (scope ``admin``).

A key is shown once, at issue. Its hash is stored here and published on ``auth.api_keys``
in the same transaction, so every service accepts it moments later.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from shared.auth import hash_key, new_key, require, store_issued
from shared.errors import NotFound
from shared.events import ApiKeyIssuedV1, ApiKeyRevokedV1, Scope, new_event, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], dependencies=[require(Scope.ADMIN)])


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["webinar-tool"])
    scopes: list[Scope] = Field(min_length=1, examples=[["ingest"]])


class ApiKeyRead(BaseModel):
    key_id: str
    name: str
    scopes: list[Scope]
    issued_at: datetime
    revoked_at: datetime | None = None


class ApiKeyIssued(ApiKeyRead):
    key: str = Field(description="Shown once; store it now")


async def _issue(
    session: SessionDep, runtime: RuntimeDep, name: str, scopes: list[Scope]
) -> ApiKeyIssued:
    key_id, key = new_key()
    issued = ApiKeyIssuedV1(
        key_id=key_id,
        name=name,
        scopes=tuple(dict.fromkeys(scopes)),
        key_hash=hash_key(key),
        issued_at=utcnow(),
    )
    await store_issued(session, runtime.tables.api_keys, issued)
    source = runtime.settings.event_source
    await runtime.outbox.add(session, new_event(issued, subject=key_id, source=source))
    return ApiKeyIssued(
        key_id=key_id, name=name, scopes=list(issued.scopes), issued_at=issued.issued_at, key=key
    )


async def _revoke(session: SessionDep, runtime: RuntimeDep, key_id: str) -> ApiKeyRead:
    table = runtime.tables.api_keys
    revoked_at = utcnow()
    row = (
        await session.execute(
            update(table)
            .where(table.c.key_id == key_id)
            .values(revoked_at=revoked_at)
            .returning(table)
        )
    ).first()
    if row is None:
        raise NotFound(f"no API key {key_id}")
    revoked = ApiKeyRevokedV1(key_id=key_id, revoked_at=revoked_at)
    source = runtime.settings.event_source
    await runtime.outbox.add(session, new_event(revoked, subject=key_id, source=source))
    return ApiKeyRead.model_validate(row._mapping, from_attributes=False)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyIssued)
async def issue_key(body: ApiKeyCreate, session: SessionDep, runtime: RuntimeDep) -> ApiKeyIssued:
    async with session.begin():
        return await _issue(session, runtime, body.name, body.scopes)


@router.get("", response_model=list[ApiKeyRead])
async def list_keys(session: SessionDep, runtime: RuntimeDep) -> list[ApiKeyRead]:
    table = runtime.tables.api_keys
    rows = await session.execute(select(table).order_by(table.c.issued_at))
    return [ApiKeyRead.model_validate(r._mapping) for r in rows]


@router.post(
    "/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyIssued,
    responses={404: {"description": "No such key"}},
)
async def rotate_key(key_id: str, session: SessionDep, runtime: RuntimeDep) -> ApiKeyIssued:
    """Issue a new key with the same name and scopes and revoke the old one, atomically."""
    async with session.begin():
        old = await _revoke(session, runtime, key_id)
        return await _issue(session, runtime, old.name, old.scopes)


@router.delete(
    "/{key_id}", response_model=ApiKeyRead, responses={404: {"description": "No such key"}}
)
async def revoke_key(key_id: str, session: SessionDep, runtime: RuntimeDep) -> ApiKeyRead:
    async with session.begin():
        return await _revoke(session, runtime, key_id)
