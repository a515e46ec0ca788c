"""billing's service layer (服务层): price caps and prices, free use, invoices, revenue sharing,
and the monthly close."""
