"""The demo city (Zibo, 淄博, region 370300) that ``pdo up`` loads on first start."""
