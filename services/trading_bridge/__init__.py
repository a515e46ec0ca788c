"""trading-bridge: exchange listings, orders and settlements, and the
exchange-facing trade topic."""
