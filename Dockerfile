# syntax=docker/dockerfile:1
# IndustrialMind image: one image for every app service (web + REST API, ingest, streaming scorer, simulator, init).
# Build:  docker build -t industrialmind:latest .
# Extras: docker build --build-arg EXTRAS=streams,knowledge,models,agent,ui,finetune -t industrialmind:train .

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder
ARG EXTRAS=streams,knowledge,models,agent,ui
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies first, from the lock file, so source changes reuse this layer.
COPY pyproject.toml constraints.txt README.md ./
COPY industrialmind/__init__.py industrialmind/__init__.py
RUN pip install -c constraints.txt ".[${EXTRAS}]"
COPY industrialmind industrialmind
RUN pip install --no-deps -c constraints.txt .

FROM python:${PYTHON_VERSION}-slim AS runtime
LABEL org.opencontainers.image.title="IndustrialMind" \
      org.opencontainers.image.description="Conversational, agentic assistant for plant operations and maintenance" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    IM_HOME=/data
RUN groupadd --system --gid 10001 im \
    && useradd --system --uid 10001 --gid im --home-dir /data --shell /usr/sbin/nologin im \
    && mkdir -p /data \
    && chown im:im /data
COPY --from=builder /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["industrialmind"]
CMD ["web", "--host", "0.0.0.0", "--port", "8000"]
