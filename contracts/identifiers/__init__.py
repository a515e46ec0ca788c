"""National identifiers (国家标准标识符), checked in one place for every service.

- ``credit_code``: the unified social credit code (统一社会信用代码, GB 32100-2015);
- ``resident_id``: the resident identity number (公民身份号码, GB 11643-1999);
- ``registration_code``: registration codes (登记编号) of data resources and products (CAT-4).
"""
