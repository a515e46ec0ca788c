"""HTTP API of disclosure: public pages and records, readable without signing in."""
