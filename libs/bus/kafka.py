"""The Kafka bus of distributed mode: FastStream consumers, an idempotent aiokafka producer.

Consumers run under FastStream (aiokafka underneath) in batches, with auto-commit off
and the ``NACK_ON_ERROR`` policy: a batch is committed after the handler returns, and a
handler that raises (only infrastructure errors reach here: the consumer wrapper
dead-letters the rest) seeks back so the batch is delivered again.

Records are produced with aiokafka's producer directly (idempotent, ``acks=all``):
FastStream's publish layer adds per-record middleware this bus does not use, and the
bench (``bench/bus.py``) measured it at about a third of the whole mesh's cost.
``publish_many`` returns once the broker has acknowledged every record.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from libs.bus.port import Handler, Message

log = logging.getLogger(__name__)


async def _keep_raw(message: Any) -> Any:
    """Skip FastStream's body decoding: the consumer wrapper decodes envelopes itself."""
    return message.body


def _message(record: Any) -> Message:
    raw_headers = record.headers
    headers = {k: v.decode("utf-8", "replace") for k, v in raw_headers} if raw_headers else {}
    key = record.key.decode("utf-8", "replace") if record.key else ""
    return Message(record.topic, key, record.value, headers, record.partition, record.offset)


def _batch_handler(handler: Handler) -> Callable[[KafkaMessage], Awaitable[None]]:
    async def on_batch(message: KafkaMessage) -> None:
        raw: Any = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        await handler([_message(r) for r in records])

    return on_batch


MAX_RECORDS = 500
"""Records per batch at most (one inbox round trip and one commit per batch)."""

IDLE_WAIT_MS = 100
"""How long one fetch waits for records when there are none; records that arrive end
the wait at once. Also bounds how long a stopping consumer takes to notice."""

_PROMPT: dict[type[Any], type[Any]] = {}


def _without_idle_sleep(subscriber: Any) -> None:
    """Hand a batch over as soon as records arrive, even after an empty fetch.

    FastStream's batch subscriber (0.7) sleeps ``batch_timeout_ms`` more after a fetch
    that found nothing, so a record arriving on an idle topic could wait that long
    before its fetch even started (a delay on every command's way to another
    service). ``getmany`` already waits up to ``batch_timeout_ms``
    and returns when records arrive, so the extra sleep buys nothing: the subscriber's
    class is swapped for a subclass whose fetch does not sleep (same slots, same state)."""
    base = type(subscriber)
    prompt = _PROMPT.get(base)
    if prompt is None:

        async def get_msg(self: Any, consumer: Any) -> tuple[Any, ...]:
            batches = await consumer.getmany(
                timeout_ms=self.batch_timeout_ms, max_records=self.max_records
            )
            return tuple(record for records in batches.values() for record in records)

        prompt = type(f"Prompt{base.__name__}", (base,), {"__slots__": (), "get_msg": get_msg})
        _PROMPT[base] = prompt
    subscriber.__class__ = prompt


@dataclass(frozen=True, slots=True)
class KafkaCredentials:
    """How this process authenticates to Kafka as its own principal (DESIGN §5)."""

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ssl_cafile: str = ""
    """TLS: the CA bundle to trust; empty uses the system's trust store."""

    def _ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ssl_cafile or None)

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin clients."""
        kwargs: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.security_protocol.endswith("SSL"):
            kwargs["ssl_context"] = self._ssl_context()
        if self.security_protocol.startswith("SASL_"):
            kwargs.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.username,
                sasl_plain_password=self.password,
            )
        return kwargs

    def faststream_security(self) -> BaseSecurity | None:
        use_ssl = self.security_protocol.endswith("SSL")
        context = self._ssl_context() if use_ssl else None
        if self.security_protocol.startswith("SASL_"):
            kinds: dict[str, Any] = {
                "PLAIN": SASLPlaintext,
                "SCRAM-SHA-256": SASLScram256,
                "SCRAM-SHA-512": SASLScram512,
            }
            kind = kinds[self.sasl_mechanism]
            return kind(  # type: ignore[no-any-return]
                username=self.username, password=self.password, ssl_context=context
            )
        if use_ssl:
            return BaseSecurity(ssl_context=context)
        return None


REFUSAL_WINDOW_SECONDS = 15.0
"""A consumer loop that met a broker error (e.g. its READ ACL removed) retries every 5 s;
readiness reports the error while one was seen within this window."""


class _ConsumerErrors(logging.Handler):
    """Catches the broker errors FastStream's consumer loops log before retrying (a
    revoked ACL: ``TopicAuthorizationFailedError``), for ``unready_reason``."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None
        self.at = float("-inf")

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, KafkaError):
            self.last = f"{type(error).__name__}: {error}"
            self.at = time.monotonic()

    def current(self) -> str | None:
        if self.last is not None and time.monotonic() - self.at < REFUSAL_WINDOW_SECONDS:
            return self.last
        return None


GRACE_SECONDS = 15.0
"""How long a stopping consumer waits for its batch in hand (within the pod's grace)."""


class KafkaStartError(RuntimeError):
    """The bus could not connect at start-up; the message names the principal, the
    mechanism and the bootstrap servers, and says what to check (a wrong SASL password,
    an unreachable broker)."""


CredentialsSource = Callable[[], Awaitable[KafkaCredentials]]
"""Reads this principal's credentials when the bus starts (from the secrets port)."""


class KafkaBus:
    """An ``EventBus`` on Apache Kafka. One producer and one consumer set per process."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str = "pdo",
        credentials: KafkaCredentials | None = None,
        credentials_source: CredentialsSource | None = None,
    ) -> None:
        """``credentials_source``, when given, is awaited at ``start`` (the password is
        read from the secrets port then, never from configuration)."""
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._credentials = credentials or KafkaCredentials()
        self._credentials_source = credentials_source
        self._broker: KafkaBroker | None = None
        self._subscriptions: list[tuple[list[str], str, Handler, bool]] = []
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self._started = False
        self._refused: str | None = None
        self._consumer_errors = _ConsumerErrors()
        # FastStream logs a consumer loop's broker error here, then retries: propagated
        # to this module's logger, and remembered for readiness.
        self._logger = logging.Logger(f"{__name__}.consumers", logging.WARNING)
        self._logger.parent = log
        self._logger.addHandler(self._consumer_errors)

    @property
    def broker(self) -> KafkaBroker:
        if self._broker is None:
            raise RuntimeError("the Kafka broker client exists once the bus has started")
        return self._broker

    def subscribe(
        self, topics: list[str], group: str, handler: Handler, *, every_replica: bool = False
    ) -> None:
        if self._started:
            raise RuntimeError("subscribe before start(): Kafka consumers join their group once")
        self._subscriptions.append((topics, group, handler, every_replica))

    def _build_broker(self) -> KafkaBroker:
        # graceful_timeout: on stop, a subscriber takes no new records and waits (up to
        # this many seconds) for the batch in hand to be handled and committed.
        broker = KafkaBroker(
            self._bootstrap,
            client_id=self._client_id,
            logger=self._logger,
            graceful_timeout=GRACE_SECONDS,
            security=self._credentials.faststream_security(),
        )
        for topics, group, handler, every_replica in self._subscriptions:
            subscriber = broker.subscriber(
                *topics,
                # No group for a per-replica read model: all partitions, from the start.
                group_id=None if every_replica else group,
                decoder=_keep_raw,
                batch=True,
                max_records=MAX_RECORDS,
                batch_timeout_ms=IDLE_WAIT_MS,
                auto_offset_reset="earliest",
                ack_policy=AckPolicy.MANUAL if every_replica else AckPolicy.NACK_ON_ERROR,
            )
            _without_idle_sleep(subscriber)
            subscriber(_batch_handler(handler))
        return broker

    async def start(self) -> None:
        if self._credentials_source is not None:
            self._credentials = await self._credentials_source()
        try:
            await self._connect()
        except Exception as exc:
            cause = await self._diagnose() or f"{type(exc).__name__}: {exc}"
            raise KafkaStartError(self._start_failure(cause)) from exc
        self._broker = self._build_broker()
        await self._broker.start()
        self._started = True

    async def _diagnose(self) -> str | None:
        """Why the first bootstrap server refused: aiokafka's own start error only says
        it could not bootstrap, so one connection is opened by hand to get the cause (a
        failed SASL handshake names the mechanism and says the credentials are invalid)."""
        from aiokafka.conn import create_conn

        host, _, port = self._bootstrap.split(",")[0].strip().rpartition(":")
        try:
            conn = await asyncio.wait_for(
                create_conn(host, int(port), client_id=self._client_id,
                            **self._credentials.client_kwargs()),
                timeout=15,
            )  # fmt: skip
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        conn.close()
        return None

    def _start_failure(self, cause: str) -> str:
        who = self._credentials.username or "(anonymous)"
        how = self._credentials.security_protocol
        if self._credentials.sasl_mechanism:
            how += f"/{self._credentials.sasl_mechanism}"
        lowered = cause.lower()
        if "auth" in lowered or "sasl" in lowered or "credential" in lowered:
            hint = (
                "the broker refused the principal's credentials: check its password in the "
                "secrets store (PDO_KAFKA_PASSWORD_SECRET) or PDO_KAFKA_PASSWORD, and "
                "PDO_KAFKA_SASL_MECHANISM"
            )
        else:
            hint = "check PDO_KAFKA_BOOTSTRAP, PDO_KAFKA_SECURITY_PROTOCOL and that the broker runs"
        return (
            f"cannot connect to Kafka at {self._bootstrap} as principal {who} ({how}): "
            f"{cause}; {hint}"
        )

    async def stop_consuming(self) -> None:
        if self._broker is None:
            return
        for subscriber in self._broker.subscribers:
            await subscriber.stop()

    async def unready_reason(self) -> str | None:
        if not self._started or self._producer is None or self._broker is None:
            return "kafka bus not started"
        if self._refused is not None:
            return self._refused
        consumer_error = self._consumer_errors.current()
        if consumer_error is not None:
            return f"a consumer is refused by the broker: {consumer_error}"
        try:
            async with asyncio.timeout(3):
                await self._producer.client.fetch_all_metadata()
        except Exception as exc:
            return f"kafka unreachable: {type(exc).__name__}"
        for subscriber in self._broker.subscribers:
            consumer: Any = getattr(subscriber, "consumer", None)
            if consumer is None or not subscriber.running:
                return "a consumer is not running"
            # Joined its group: the coordinator handed out an assignment (possibly empty
            # when there are more replicas than partitions).
            if consumer._subscription.subscription is None or (
                consumer._subscription.subscription.assignment is None
            ):
                return "a consumer has not joined its group yet"
        return None

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.stop()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        self._started = False

    async def _connect(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    enable_idempotence=True,
                    acks="all",
                    # No linger: a lone event (a command's) is sent at once; records
                    # queued while a request is in flight still go out as one batch.
                    linger_ms=0,
                    **self._credentials.client_kwargs(),
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def publish(self, message: Message) -> None:
        await self.publish_many([message])

    async def publish_many(self, messages: list[Message]) -> None:
        producer = self._producer or await self._connect()
        # Queue every record, then wait for all acknowledgements: the same guarantee as
        # waiting one by one, with far fewer round trips.
        try:
            pending = [
                await producer.send(
                    m.topic,
                    m.value,
                    key=m.key.encode("utf-8"),
                    headers=[(k, v.encode("utf-8")) for k, v in m.headers.items()],
                )
                for m in messages
            ]
            await asyncio.gather(*pending)
        except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError) as exc:
            # Not a crash and not a loss: the caller (the outbox relay) keeps the events
            # and retries; /readyz says why until a publish succeeds again.
            who = self._credentials.username or "(anonymous)"
            topics = ", ".join(sorted({m.topic for m in messages}))
            refused = (
                f"the broker refused to let principal {who} write {topics}: {type(exc).__name__}"
            )
            if refused != self._refused:  # once per refusal, not once per retry
                log.error("publish refused: %s (check the principal's ACLs)", refused)
            self._refused = refused
            raise
        self._refused = None
