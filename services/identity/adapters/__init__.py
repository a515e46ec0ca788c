"""What identity needs beyond libs: Argon2id password hashing."""
