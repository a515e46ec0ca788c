"""The secrets port and its adapters (Vault via hvac, local encrypted keyring)."""

from libs.secrets.port import SecretNotFound, SecretStore, SigningKey

__all__ = ["SecretNotFound", "SecretStore", "SigningKey"]
