"""The embeddable form: the HTML a marketer pastes into a page (pure rendering)."""

from __future__ import annotations

from html import escape

from services.intake.schemas import FormConfig, FormField

TOKEN_FIELD = "_handoff_token"

_INPUT_TYPES = {"text": "text", "email": "email", "tel": "tel", "number": "number"}


def _control(field: FormField) -> str:
    name = escape(field.name)
    required = " required" if field.required else ""
    if field.type == "textarea":
        return f'<textarea id="hf-{name}" name="{name}"{required}></textarea>'
    if field.type == "checkbox":
        return f'<input id="hf-{name}" name="{name}" type="checkbox"{required}>'
    if field.type == "select":
        options = "".join(
            f'<option value="{escape(o)}">{escape(o)}</option>' for o in field.options
        )
        blank = '<option value=""></option>'
        return f'<select id="hf-{name}" name="{name}"{required}>{blank}{options}</select>'
    kind = _INPUT_TYPES[field.type]
    return f'<input id="hf-{name}" name="{name}" type="{kind}"{required}>'


def render_snippet(form: FormConfig, base_url: str) -> str:
    """A self-contained ``<form>`` plus the script that submits it and shows errors.

    Without JavaScript the form still posts and the person lands on the thank-you page.
    """
    base = base_url.rstrip("/")
    rows = "\n".join(
        f'  <p class="handoff-field"><label for="hf-{escape(f.name)}">{escape(f.label)}'
        f"{' *' if f.required else ''}</label> {_control(f)}</p>"
        for f in form.fields
    )
    honeypot = escape(form.honeypot_field)
    return f"""<form data-handoff-form="{escape(form.id)}" method="post" novalidate
      action="{escape(base)}/v1/forms/{escape(form.id)}/submissions">
{rows}
  <p style="position:absolute;left:-10000px" aria-hidden="true">
    <label>Leave this empty <input name="{honeypot}" tabindex="-1" autocomplete="off"></label>
  </p>
  <input type="hidden" name="{TOKEN_FIELD}">
  <p class="handoff-message" data-handoff-message role="alert"></p>
  <button type="submit">Send</button>
</form>
<script src="{escape(base)}/v1/forms/embed.js" defer></script>
"""
