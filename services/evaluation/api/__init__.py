"""HTTP API of evaluation under ``/evaluation``: thin controllers, every route guarded."""
