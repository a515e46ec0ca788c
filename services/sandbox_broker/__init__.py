"""sandbox-broker: sandboxes (授权运营空间 / 数据沙箱), dataset mounts with masking,
jobs, own-data imports, teardown and deletion."""
