"""The demo city (演示城市): Zibo's previous year of authorized operation, loaded through
the platform's public HTTP APIs only (``demo.year``), and the data it is made of
(``demo.city``)."""
