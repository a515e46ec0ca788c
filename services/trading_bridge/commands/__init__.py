"""Trading-bridge's service layer (服务层): listings, orders, executions and settlements."""
