"""Accounts: users, passwords, sessions, profiles."""
