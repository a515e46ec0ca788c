"""evaluation's service layer (服务层): annual reports and evaluations, rectification orders,
security (emergency plans, drills, inspections), the year's figures and the deadline sweep."""
