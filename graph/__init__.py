"""Everything Neo4j: provisioning, settings, sessions, schema migration, the write path and named reads."""
