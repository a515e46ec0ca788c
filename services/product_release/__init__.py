"""product-release: export requests (出域申请), automated disclosure checks and human
export review, products, circulation certificates (流通凭证)."""
