"""identity: organizations, users, roles, API clients, operator authorization
agreements (授权运营协议) and developer admission (入驻)."""
