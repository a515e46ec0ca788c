"""What disclosure needs beyond libs: the transparency log (透明日志) kept in its store."""
