"""Adapters of sandbox-broker: DuckDB (guard, lockdown, executor, masking SQL, synthetic and
demo data) and the operating-system isolation of job processes."""
