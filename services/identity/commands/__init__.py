"""Identity's application layer: load, decide in the domain, save state and events in one
write (outbox), append an audit entry. One module per area."""
