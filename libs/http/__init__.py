"""HTTP plumbing shared by every service: problem responses, auth guards, the gateway."""
