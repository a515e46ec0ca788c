"""request-review's service layer (服务层): scenarios, applications, reviews, grants and appeals."""
