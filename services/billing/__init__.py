"""billing: price caps (上限收费标准), concrete prices, free-use rules, metering,
invoices and revenue distribution."""
