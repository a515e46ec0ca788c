#!/bin/sh
# vault-init: the only compose step that holds Vault's root token. It enables Transit and
# AppRole, writes one policy and one AppRole per service (role id pdo-<region>-<service>,
# the same name as the service's Kafka principal), and writes each service's secret id to
# that service's own volume (/approle/<service>/secret-id, readable only by uid 10001).
# The services sign in with AppRole (PDO_VAULT_APPROLE_*; libs/secrets/vault.py) and
# never see the root token. Policies, least privilege:
#   every service: verify tokens (read identity-jwt's public keys, transit/verify)
#   identity:      create, rotate and sign with transit key identity-jwt
#   disclosure:    create and sign with transit key disclosure-log (tree heads)
#   sandbox_broker: read/write secret/data/sandbox/masking-key
set -eu
: "${VAULT_TOKEN:?}" "${PDO_REGION:?}"
SERVICES="identity catalog request_review sandbox_broker product_release trading_bridge billing evaluation disclosure"

vault secrets list | grep -q '^transit/' || vault secrets enable transit
vault auth list | grep -q '^approle/' || vault auth enable approle

for service in $SERVICES; do
    role="pdo-${PDO_REGION}-$(echo "$service" | tr _ -)"
    {
        echo 'path "transit/keys/identity-jwt" { capabilities = ["read"] }'
        echo 'path "transit/verify/identity-jwt" { capabilities = ["update"] }'
        case "$service" in
        identity)
            echo 'path "transit/keys/identity-jwt" { capabilities = ["create", "read", "update"] }'
            echo 'path "transit/keys/identity-jwt/rotate" { capabilities = ["update"] }'
            echo 'path "transit/sign/identity-jwt" { capabilities = ["update"] }'
            ;;
        disclosure)
            echo 'path "transit/keys/disclosure-log" { capabilities = ["create", "read", "update"] }'
            echo 'path "transit/sign/disclosure-log" { capabilities = ["update"] }'
            echo 'path "transit/verify/disclosure-log" { capabilities = ["update"] }'
            ;;
        sandbox_broker)
            echo 'path "secret/data/sandbox/masking-key" { capabilities = ["create", "read", "update"] }'
            ;;
        esac
    } | vault policy write "$role" -
    vault write "auth/approle/role/$role" token_policies="$role" token_ttl=1h \
        token_max_ttl=24h secret_id_num_uses=0 >/dev/null
    vault write "auth/approle/role/$role/role-id" role_id="$role" >/dev/null
    dir="/approle/$service"
    umask 077
    vault write -f -field=secret_id "auth/approle/role/$role/secret-id" >"$dir/secret-id"
    chown 10001:10001 "$dir/secret-id"
    chmod 0400 "$dir/secret-id"
    echo "AppRole $role: policy $role, secret id written for $service"
done
