#!/bin/bash
# The compose Kafka broker (KRaft, one node) with SASL/SCRAM-SHA-512 for every client,
# SASL/PLAIN between the controller and broker roles, and the StandardAuthorizer: no
# anonymous access anywhere, no topic auto-creation. The SCRAM credentials of the
# provisioning principal (pdo-admin) and of each service principal (pdo-<region>-<service>)
# are written into the metadata log when the storage is formatted (KRaft keeps them there;
# `kafka-storage.sh format --add-scram`). Passwords come from the environment compose
# interpolates from .env (scripts/compose-env.sh); none is written to the image.
set -euo pipefail

: "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_CONTROLLER_PASSWORD:?}" "${PDO_REGION:?}"
SERVICES="identity catalog request_review sandbox_broker product_release trading_bridge billing evaluation disclosure"
# compose's values; tests/integration/test_chart_compose_kafka.py runs this script with
# the Kafka jars of the test suite, its own ports and directories
bin="${KAFKA_BIN:-/opt/kafka/bin}"
host="${KAFKA_HOST:-kafka}"
port="${KAFKA_PORT:-9092}" cport="${KAFKA_CONTROLLER_PORT:-9093}" hport="${KAFKA_HOST_PORT:-29092}"
props="${KAFKA_PROPERTIES:-/tmp/server.properties}"
cat >"$props" <<PROPS
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@${host}:${cport}
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://:${port},CONTROLLER://:${cport},HOST://:${hport}
advertised.listeners=SASL_PLAINTEXT://${host}:${port},HOST://127.0.0.1:${hport}
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="pdo-admin" password="${KAFKA_ADMIN_PASSWORD}";
listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="${KAFKA_CONTROLLER_PASSWORD}" user_controller="${KAFKA_CONTROLLER_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:pdo-admin;User:controller
allow.everyone.if.no.acl.found=false
auto.create.topics.enable=false
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.dirs=${KAFKA_LOG_DIRS:-/tmp/kraft-combined-logs}
PROPS

scram=(--add-scram "SCRAM-SHA-512=[name=pdo-admin,password=${KAFKA_ADMIN_PASSWORD}]")
for service in $SERVICES; do
    variable="KAFKA_PASSWORD_${service^^}"
    password="${!variable:?$variable is not set (scripts/compose-env.sh writes it to .env)}"
    scram+=(--add-scram "SCRAM-SHA-512=[name=pdo-${PDO_REGION}-${service//_/-},password=${password}]")
done
# The log lives in the container (as the image's default): a new container formats it
# again, with the credentials of .env. KAFKA_CLUSTER_ID: 16 bytes, base64url (22 chars).
"$bin/kafka-storage.sh" format --ignore-formatted \
    --cluster-id "${KAFKA_CLUSTER_ID:-4L6g3nShT-eMCtK--X86sw}" --config "$props" "${scram[@]}"
exec "$bin/kafka-server-start.sh" "$props"
