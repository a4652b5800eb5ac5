"""Ed25519 signatures over JSON documents (the erasure certificate): the key is the ward's,
so a certificate shows that the holder of that key issued it and that nothing in it changed.

The signature covers the canonical JSON of the whole document but the signature itself —
the public key included, so a document cannot be re-labelled with another key."""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE = "signature"
PUBLIC_KEY = "public_key"


def canonical(doc: dict[str, Any]) -> bytes:
    """One byte form per document: sorted keys, no spaces, UTF-8 as written."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def new_private_key_pem() -> bytes:
    """A fresh Ed25519 private key as unencrypted PKCS#8 PEM (its file is the protection)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def sign(doc: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with the public key and the signature over everything else added."""
    signed = {**doc, PUBLIC_KEY: public_key_hex(key)}
    signed.pop(SIGNATURE, None)
    return {**signed, SIGNATURE: key.sign(canonical(signed)).hex()}


def verify(doc: dict[str, Any]) -> bool:
    """Whether the document's signature is valid under the public key it carries."""
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(doc[PUBLIC_KEY]))
        signature = bytes.fromhex(doc[SIGNATURE])
    except (KeyError, TypeError, ValueError):
        return False
    body = {k: v for k, v in doc.items() if k != SIGNATURE}
    try:
        public.verify(signature, canonical(body))
    except InvalidSignature:
        return False
    return True
