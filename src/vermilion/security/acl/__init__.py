"""Access control: users, rules, selectors, the ACL log and the ACL file."""
