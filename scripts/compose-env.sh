#!/bin/bash
# Writes .env for `docker compose` (compose reads it for ${...} interpolation): a fresh
# random password for each credential of docker-compose.yml. .env is git-ignored and
# readable only by you; an existing .env is kept (delete it and the volumes to rotate).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -e .env ] && { echo ".env exists; kept"; exit 0; }
umask 077
{
    for name in VAULT_DEV_ROOT_TOKEN_ID MONGO_ROOT_PASSWORD MONGO_PDO_PASSWORD \
        KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD CONSOLE_CSRF_SECRET; do
        echo "$name=$(openssl rand -hex 16)"
    done
    for service in identity catalog request_review sandbox_broker product_release \
        trading_bridge billing evaluation disclosure; do
        echo "KAFKA_PASSWORD_${service^^}=$(openssl rand -hex 16)"
    done
} >.env
echo "wrote .env"
