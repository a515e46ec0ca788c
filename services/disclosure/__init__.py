"""disclosure: public disclosure records (公开), the annual report and the transparency log."""
