"""HTTP API of request-review: scenarios, applications and reviews, risks, grants,
appeals and settings; thin controllers over the command modules."""
