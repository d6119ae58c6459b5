//! API key secrets: generation, validation and hashing.
//!
//! A user key is `NRAK-` followed by 27 characters. Only its SHA-256 is stored (keys are random
//! and long, so a fast hash is right; passwords get a slow one). The plaintext is shown once.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix of user keys. Clients (the New Relic CLI) check it: do not change it.
pub const USER_KEY_PREFIX: &str = "NRAK-";
/// Characters after the prefix.
pub const USER_KEY_BODY_LEN: usize = 27;
/// Characters of the secret kept in the clear, for showing a key truncated.
const SHOWN_PREFIX_LEN: usize = USER_KEY_PREFIX.len() + 4;

/// A key's plaintext. Its `Debug` is redacted; reading it needs [`ApiKeySecret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}...)", self.shown_prefix())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("A user key is `{USER_KEY_PREFIX}` followed by {USER_KEY_BODY_LEN} letters, digits or underscores")]
pub struct MalformedKey;

impl ApiKeySecret {
    /// A new random user key.
    pub fn generate_user_key() -> Self {
        let body: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(USER_KEY_BODY_LEN)
            .map(|b| char::from(b).to_ascii_uppercase())
            .collect();
        ApiKeySecret(format!("{USER_KEY_PREFIX}{body}"))
    }

    /// A user key given by an operator (for example `ACCESSGRAPH_BOOTSTRAP_KEY`).
    pub fn parse_user_key(text: &str) -> Result<Self, MalformedKey> {
        let body = text.strip_prefix(USER_KEY_PREFIX).ok_or(MalformedKey)?;
        if body.len() == USER_KEY_BODY_LEN && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Ok(ApiKeySecret(text.to_owned()))
        } else {
            Err(MalformedKey)
        }
    }

    /// A key presented by a caller, not checked for shape: it is only hashed and looked up.
    pub fn presented(text: &str) -> Self {
        ApiKeySecret(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the key, hex: what is stored and looked up.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }

    /// The first characters, kept for showing the key truncated (`NRAK-ABCD...`).
    pub fn shown_prefix(&self) -> &str {
        self.0.get(..SHOWN_PREFIX_LEN).unwrap_or("")
    }
}

/// The SHA-256 of `secret`, hex: how every secret (API keys, private location keys, secure
/// credential values) is stored.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two stored hashes in constant time.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A new key id: 64 hex characters, as NerdGraph's key ids are.
pub fn new_key_id() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode_upper(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_nerdgraphs_shape_and_differ() {
        let a = ApiKeySecret::generate_user_key();
        let b = ApiKeySecret::generate_user_key();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 32);
        assert!(ApiKeySecret::parse_user_key(a.expose()).is_ok());
    }

    #[test]
    fn operator_keys_are_validated() {
        assert!(ApiKeySecret::parse_user_key("NRAK-TESTTESTTESTTESTTESTTEST123").is_ok());
        assert_eq!(ApiKeySecret::parse_user_key("NRAK-short"), Err(MalformedKey));
        assert_eq!(ApiKeySecret::parse_user_key("NRAL-TESTTESTTESTTESTTESTTEST123"), Err(MalformedKey));
        assert_eq!(ApiKeySecret::parse_user_key("NRAK-TESTTESTTESTTESTTESTTEST12-"), Err(MalformedKey));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = ApiKeySecret::parse_user_key("NRAK-ABCDEFGHIJKLMNOPQRSTUVWXYZ0").expect("valid");
        assert_eq!(format!("{key:?}"), "ApiKeySecret(NRAK-ABCD...)");
    }

    #[test]
    fn hashes_are_stable_hex_and_compared_exactly() {
        let key = ApiKeySecret::presented("NRAK-X");
        assert_eq!(key.hash().len(), 64);
        assert_eq!(key.hash(), ApiKeySecret::presented("NRAK-X").hash());
        assert!(hashes_match(&key.hash(), &key.hash()));
        assert!(!hashes_match(&key.hash(), &ApiKeySecret::presented("NRAK-Y").hash()));
        assert_eq!(new_key_id().len(), 64);
    }
}
