"""evaluation: the annual operator evaluation, provider supply evaluation and
rectification orders (整改) with deadlines."""
