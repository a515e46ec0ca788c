"""Adapters of sandbox-broker — the only modules that import DuckDB: the job executor
(``duckdb_executor``, the ``JobExecutor`` port) with its job process, lockdown and
operating-system isolation; the SQL guard; masking, synthetic, materialization and
per-unit SQL; the demo data and the source map (``sources``); and the ``JobLog`` on the
service's own store (``job_log``)."""
