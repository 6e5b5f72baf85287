"""The baseline intake is measured against: a bare FastAPI endpoint doing one asyncpg INSERT.

No validation, no outbox, no authentication: the least any durable HTTP intake must do.
``python -m deploy.bench.baseline --port P --dsn postgresql://...``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import uvicorn
from fastapi import FastAPI, Request, Response


def create_app(dsn: str) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        await app.state.pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline_lead"
            " (id uuid PRIMARY KEY, data jsonb NOT NULL, created_at timestamptz DEFAULT now())"
        )
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/leads", status_code=202)
    async def submit(request: Request) -> Response:
        body = await request.body()
        lead_id = uuid.uuid4()
        await request.app.state.pool.execute(
            "INSERT INTO bench_baseline_lead (id, data) VALUES ($1, $2::jsonb)",
            lead_id,
            body.decode(),
        )
        return Response(json.dumps({"lead_id": str(lead_id)}), 202, media_type="application/json")

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.dsn),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
