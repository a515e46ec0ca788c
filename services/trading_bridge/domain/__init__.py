"""Pure rules of trading-bridge (交易对接): listings (``listing``), the exchange's orders,
executions and settlements (``trade``), the published price applied (``pricing``) and what
the bridge knows of other services (``facts``). No I/O, no framework imports."""
