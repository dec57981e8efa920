"""The user guide (帮助): a short practical guide per role, in Chinese and English, with every number the
organisation's policy decides read from the policy in force."""
