"""The admin's pages: the audit log and the accounts."""
