"""The event bus port and its adapters (in-process durable log, Kafka via FastStream)."""

from libs.bus.port import EventBus, Handler, Message

__all__ = ["EventBus", "Handler", "Message"]
