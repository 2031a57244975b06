"""Signers who log in with e-legitimation through the organisation's OpenID provider."""
