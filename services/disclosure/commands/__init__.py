"""disclosure's service layer (服务层): signing tree heads, recording the annual report's
facts."""
