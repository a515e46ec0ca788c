"""HTTP API of product-release: thin controllers over ``export_commands`` and
``product_commands`` — exports, products, affiliations and settings; the product list
is public.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency and a listing's window as the shared ``paging`` dependency (``libs.http.app``)."""
