"""Intake's public form endpoints (browsers) and the form admin API (marketing scope)."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from services.intake import metrics, repository, spam
from services.intake.api import IdempotencyKey
from services.intake.capture import Retry, capture_once, request_hash
from services.intake.forms import TOKEN_FIELD, render_snippet
from services.intake.normalise import normalise_form
from services.intake.schemas import FormConfig
from services.intake.settings import Settings
from shared.auth import require
from shared.errors import FieldError, HandoffError, InvalidInput, NotFound
from shared.events import Scope
from shared.service import RuntimeDep, SessionDep, error_body

router = APIRouter(prefix="/v1/forms", tags=["forms"])

EMBED_JS = (Path(__file__).parent / "static" / "embed.js").read_text()
THANKS = "Thank you! We will be in touch shortly."


class Refused(HandoffError):
    """A public-form refusal answered with its own status (403 origin, 429 rate)."""

    def __init__(self, status_code: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status_code
        self.code = code
        self.retry_after = retry_after


async def _form(session: SessionDep, form_id: str) -> FormConfig:
    async with session.begin():
        config = await repository.get_form(session, form_id)
    if config is None or not config.get("active", True):
        metrics.REJECTIONS.labels("unknown_form").inc()
        raise NotFound(f"no form {form_id}")
    return FormConfig.model_validate(config)


def _cors(origin: str | None) -> dict[str, str]:
    if origin is None:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _answer(
    request: Request, status_code: int, body: dict[str, Any], redirect: str | None
) -> Response:
    """JSON for the embed script; a redirect or a small page for a plain HTML form post."""
    headers = _cors(request.headers.get("origin"))
    if _wants_json(request):
        return JSONResponse(body, status_code=status_code, headers=headers)
    if redirect is not None and status_code < 300:
        return RedirectResponse(redirect, status_code=status.HTTP_303_SEE_OTHER, headers=headers)
    error: dict[str, Any] = body.get("error") or {}
    items = "".join(
        f"<li>{escape(f['field'])}: {escape(f['message'])}</li>" for f in error.get("fields", [])
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>Please check the form</title>"
        f"<p>{escape(str(error.get('message', '')))}</p><ul>{items}</ul>"
        "<p><a href='javascript:history.back()'>Back to the form</a></p>"
    )
    return HTMLResponse(page, status_code=status_code, headers=headers)


def _error(request: Request, exc: HandoffError) -> Response:
    fields = [{"field": f.field, "message": f.message} for f in exc.fields]
    response = _answer(request, exc.status, error_body(exc.code, exc.message, fields), None)
    if isinstance(exc, Refused) and exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.get("/embed.js", include_in_schema=False)
async def embed_js() -> Response:
    return Response(
        EMBED_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


# A plain HTML form post gets its errors as a small page; the embed script asks for JSON.
_HTML_OR_JSON = {
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
        "text/html": {"schema": {"type": "string"}},
    }
}
_NO_FORM: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown or inactive form"}}


@router.get(
    "/{form_id}/snippet",
    response_class=HTMLResponse,
    summary="HTML to paste into a page",
    responses=_NO_FORM,
)
async def snippet(form_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    form = await _form(session, form_id)
    return HTMLResponse(render_snippet(form, str(request.base_url)))


@router.get(
    "/{form_id}/token", summary="A signed fill-time token for one page view", responses=_NO_FORM
)
async def token(form_id: str, request: Request, session: SessionDep) -> JSONResponse:
    form = await _form(session, form_id)
    origin = request.headers.get("origin")
    allowed = [str(o) for o in form.allowed_origins]
    headers = _cors(origin) if spam.origin_allowed(origin, allowed) else {}
    secret = request.app.state.form_secret
    return JSONResponse({"token": spam.make_token(secret, form.id)}, headers=headers)


@router.options("/{form_id}/submissions", include_in_schema=False)
async def preflight(form_id: str, request: Request, session: SessionDep) -> Response:
    form = await _form(session, form_id)
    origin = request.headers.get("origin")
    if not spam.origin_allowed(origin, [str(o) for o in form.allowed_origins]):
        return Response(status_code=status.HTTP_403_FORBIDDEN)
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers=_cors(origin)
        | {
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
            "Access-Control-Max-Age": "600",
        },
    )


@router.post(
    "/{form_id}/submissions",
    summary="A browser submits a form (form-encoded)",
    responses={
        202: {"description": "Accepted (JSON if asked); a filled honeypot looks the same"},
        303: {"description": "Accepted: redirect to the form's thank-you page"},
        403: {"description": "The page's origin is not allowed for this form"} | _HTML_OR_JSON,
        404: {"description": "Unknown or inactive form"} | _HTML_OR_JSON,
        413: {"description": "Body over the size limit"} | _HTML_OR_JSON,
        422: {"description": "Invalid fields, named by input; or a missing/too fast token"}
        | _HTML_OR_JSON,
        429: {"description": "Rate limit; Retry-After says when to try again"} | _HTML_OR_JSON,
        503: {"description": "Database unavailable; nothing stored, retry"} | _HTML_OR_JSON,
    },
)
async def submit_form(
    form_id: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    settings: Settings = runtime.settings
    try:
        form = await _form(session, form_id)
        await _guard(form, request, session, settings)
        values = {
            k: v for k, v in (await request.form()).multi_items() if not isinstance(v, UploadFile)
        }
        thanks: dict[str, Any] = {
            "status": "accepted",
            "message": THANKS,
            "redirect": str(form.thank_you_url),
        }
        if values.get(form.honeypot_field):
            metrics.REJECTIONS.labels("honeypot").inc()
            return _answer(request, status.HTTP_202_ACCEPTED, thanks, str(form.thank_you_url))
        problem = spam.token_problem(
            request.app.state.form_secret,
            form.id,
            values.get(TOKEN_FIELD),
            min_fill_seconds=form.min_fill_seconds,
            max_age=timedelta(hours=settings.form_token_max_age_hours),
        )
        if problem is not None:
            metrics.REJECTIONS.labels(f"token_{problem}").inc()
            message = (
                "submitted too quickly; please try again"
                if problem == "too_fast"
                else "this form has expired; please reload the page"
            )
            raise InvalidInput(message, [FieldError(TOKEN_FIELD, message)])
        lead = normalise_form(form, values)
        body_hash = request_hash(repr(sorted(values.items())).encode())
        retry = (
            Retry(f"form:{form.id}", idempotency_key, body_hash)
            if idempotency_key is not None
            else None
        )
        async with session.begin():
            answer = await capture_once(
                session,
                runtime.outbox,
                lead=lead,
                settings=settings,
                retry=retry,
                # The stored answer names the lead, so erasing the lead finds it.
                render=lambda captured: str(captured.lead_id).encode(),
                form_id=form.id,
            )
        return _answer(request, answer.status, thanks, str(form.thank_you_url))
    except InvalidInput as exc:
        metrics.REJECTIONS.labels("invalid").inc()
        return _error(request, exc)
    except HandoffError as exc:
        return _error(request, exc)


async def _guard(
    form: FormConfig, request: Request, session: SessionDep, settings: Settings
) -> None:
    """Origin first (cheap), then the shared rate limits (counted even when refused)."""
    if not spam.origin_allowed(
        request.headers.get("origin"), [str(o) for o in form.allowed_origins]
    ):
        metrics.REJECTIONS.labels("origin").inc()
        raise Refused(403, "origin_not_allowed", "this page may not submit this form")
    client = request.client.host if request.client else "unknown"
    async with session.begin():
        limited = await spam.over_limit(
            session,
            {
                f"ip:{client}": settings.rate_limit_per_ip_per_minute,
                f"form:{form.id}": settings.rate_limit_per_form_per_minute,
            },
        )
    if limited is not None:
        metrics.REJECTIONS.labels("rate_limited").inc()
        raise Refused(429, "rate_limited", "too many submissions", limited.retry_after)


@router.put(
    "/{form_id}",
    response_model=FormConfig,
    dependencies=[require(Scope.MARKETING)],
    responses={201: {"description": "Created"}, 200: {"description": "Replaced"}},
)
async def save_form(
    form_id: str, body: FormConfig, session: SessionDep, response: Response
) -> FormConfig:
    if body.id != form_id:
        raise InvalidInput("the body's id differs from the URL's", [FieldError("id", "must match")])
    async with session.begin():
        created = await repository.save_form(session, form_id, body.model_dump(mode="json"))
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return body


@router.get("", response_model=list[FormConfig], dependencies=[require(Scope.MARKETING)])
async def list_forms(session: SessionDep) -> list[FormConfig]:
    return [FormConfig.model_validate(c) for c in await repository.list_forms(session)]


@router.get(
    "/{form_id}",
    response_model=FormConfig,
    dependencies=[require(Scope.MARKETING)],
    responses={404: {"description": "No such form"}},
)
async def get_form(form_id: str, session: SessionDep) -> FormConfig:
    config = await repository.get_form(session, form_id)
    if config is None:
        raise NotFound(f"no form {form_id}")
    return FormConfig.model_validate(config)
