"""Test infrastructure: real servers (Apache Kafka, FerretDB/MongoDB) for the pytest session."""
