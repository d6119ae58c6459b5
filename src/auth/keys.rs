//! API key secrets: generation, validation and hashing.
//!
//! Three formats, each recognizable at a glance (as New Relic's are):
//! - user key: `NRAK-` followed by 27 upper-case letters and digits (32 characters);
//! - license (ingest) key: 36 lower-case hex digits followed by `NRAL` (40 characters);
//! - browser (ingest) key: `NRJS-` followed by 19 lower-case hex digits (24 characters).
//!
//! Only a key's SHA-256 is stored (keys are random and long, so a fast hash is right; passwords
//! get a slow one), with a short *shown prefix* for displaying it obfuscated. The plaintext is
//! shown once, at creation. Only user keys authenticate requests.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix of user keys. Clients (the New Relic CLI) check it: do not change it.
pub const USER_KEY_PREFIX: &str = "NRAK-";
/// Characters after the prefix.
pub const USER_KEY_BODY_LEN: usize = 27;
/// The prefix of browser keys.
pub const BROWSER_KEY_PREFIX: &str = "NRJS-";
/// Hex digits after the browser key prefix.
pub const BROWSER_KEY_BODY_LEN: usize = 19;
/// The suffix of license keys.
pub const LICENSE_KEY_SUFFIX: &str = "NRAL";
/// Hex digits before the license key suffix.
pub const LICENSE_KEY_BODY_LEN: usize = 36;
/// Random characters of a key kept in the clear (after its format prefix, if any), for showing
/// the key obfuscated: `NRAK-ABCD...`, `NRJS-0a1b...`, `0a1b...` (license).
const SHOWN_SECRET_CHARS: usize = 4;

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

    /// A new random license (ingest) key: 36 hex digits and `NRAL`.
    pub fn generate_license_key() -> Self {
        ApiKeySecret(format!("{}{LICENSE_KEY_SUFFIX}", random_hex(LICENSE_KEY_BODY_LEN)))
    }

    /// A new random browser (ingest) key: `NRJS-` and 19 hex digits.
    pub fn generate_browser_key() -> Self {
        ApiKeySecret(format!("{BROWSER_KEY_PREFIX}{}", random_hex(BROWSER_KEY_BODY_LEN)))
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

    /// The first characters, kept for showing the key truncated: the format prefix (`NRAK-`,
    /// `NRJS-`; license keys have none) and 4 random characters, e.g. `NRAK-ABCD`.
    pub fn shown_prefix(&self) -> &str {
        let format_prefix =
            [USER_KEY_PREFIX, BROWSER_KEY_PREFIX].into_iter().find(|p| self.0.starts_with(p)).map_or(0, str::len);
        self.0.get(..format_prefix + SHOWN_SECRET_CHARS).unwrap_or("")
    }
}

/// `len` random lower-case hex digits.
fn random_hex(len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(HEX[rng.random_range(0..HEX.len())])).collect()
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
    fn ingest_keys_have_recognizable_formats() {
        let license = ApiKeySecret::generate_license_key();
        assert_eq!(license.expose().len(), 40);
        assert!(license.expose().ends_with(LICENSE_KEY_SUFFIX));
        assert!(license.expose()[..36].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(license.shown_prefix(), &license.expose()[..4]);

        let browser = ApiKeySecret::generate_browser_key();
        assert_eq!(browser.expose().len(), 24);
        assert!(browser.expose().starts_with(BROWSER_KEY_PREFIX));
        assert!(browser.expose()[5..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(browser.shown_prefix(), &browser.expose()[..9]);

        assert_ne!(ApiKeySecret::generate_license_key(), license);
        // Neither is a user key, so neither can be presented as one.
        assert!(ApiKeySecret::parse_user_key(license.expose()).is_err());
        assert!(ApiKeySecret::parse_user_key(browser.expose()).is_err());
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
