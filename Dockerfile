# syntax=docker/dockerfile:1
# One image for every service of the platform: `pdo serve <service>` (distributed mode,
# configured from PDO_* / VAULT_* / OTEL_* environment variables) or `pdo up` (embedded).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY contracts ./contracts
COPY libs ./libs
COPY services ./services
COPY demo ./demo
RUN python -m venv /opt/pdo \
 && /opt/pdo/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/pdo/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PDO_HTTP_PORT=8000
RUN groupadd --system --gid 10001 pdo \
 && useradd --system --uid 10001 --gid pdo --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin pdo
COPY --from=build /opt/pdo /opt/pdo
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000
CMD ["pdo", "up"]
