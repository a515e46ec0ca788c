"""The catalog's service layer (服务层): commands on resources and objections, and the
objection deadline sweep."""
