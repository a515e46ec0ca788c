"""HTTP API of product-release: thin controllers over ``export_commands`` and
``product_commands`` — exports, products, affiliations and settings; the product list
is public."""
