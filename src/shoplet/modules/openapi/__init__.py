"""The open platform: partner apps with scopes, signed requests or OAuth2 client-credential
tokens, the access log and the partner REST surface under ``/open/v1`` (docs/open-platform.md)."""
