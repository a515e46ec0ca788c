"""product-release's service layer (服务层): export requests and their review, products
and their versions."""
