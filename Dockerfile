# One image for every Handoff service; SERVICE picks which one the container runs.
FROM python:3.11-slim

ARG SERVICE=intake
ENV SERVICE=${SERVICE} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY cli ./cli
RUN pip install . && useradd --system --uid 10001 handoff
USER handoff

# Services listen on 127.0.0.1 by default; in a container they must listen on every interface.
ENV INTAKE_HOST=0.0.0.0 SCORING_HOST=0.0.0.0 ROUTING_HOST=0.0.0.0 FEEDBACK_HOST=0.0.0.0
# Orchestrators probe /healthz (liveness) and /readyz (readiness) on the service's port.
CMD ["sh", "-c", "exec python -m services.${SERVICE}"]
