//! The shape of a secret key: family prefix + 32 base62 characters of randomness (190 bits, from
//! ring's `SystemRandom`) + a 6-character checksum, so a mistyped or made-up key is refused
//! without a database read. At rest only the SHA-256 digest and a display prefix are kept.

use crate::base62::{self, ALPHABET};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::fmt;

const BODY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;

/// The two key families of SPEC §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `mbk_…`: one live key per Miniback project.
    Project,
    /// `sk_live_…`: named account keys managed through /api/v1/keys.
    Account,
}

impl Family {
    /// The text every key of the family starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Project => "mbk_",
            Family::Account => "sk_live_",
        }
    }
}

/// A full secret key. Its `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    text: String,
    family: Family,
}

impl ApiKey {
    /// A new random key of the family.
    pub fn generate(family: Family) -> ApiKey {
        let rng = SystemRandom::new();
        let mut body = String::with_capacity(BODY_LEN);
        let mut buffer = [0u8; 64];
        while body.len() < BODY_LEN {
            rng.fill(&mut buffer).expect("the system's random source works");
            // Rejection sampling: 248 = 4 × 62, so every kept byte maps to a digit uniformly.
            body.extend(
                buffer
                    .iter()
                    .filter(|b| **b < 248)
                    .map(|b| ALPHABET[(*b % 62) as usize] as char)
                    .take(BODY_LEN - body.len()),
            );
        }
        let checksum = checksum(family.prefix(), &body);
        ApiKey { text: format!("{}{body}{checksum}", family.prefix()), family }
    }

    /// Accepts a key only if its prefix, length, characters and checksum are right.
    pub fn parse(text: &str) -> Option<ApiKey> {
        let family = [Family::Account, Family::Project].into_iter().find(|f| text.starts_with(f.prefix()))?;
        let rest = &text[family.prefix().len()..];
        if rest.len() != BODY_LEN + CHECKSUM_LEN || !base62::is_base62(rest) {
            return None;
        }
        let (body, sum) = rest.split_at(BODY_LEN);
        (checksum(family.prefix(), body) == sum).then(|| ApiKey { text: text.to_owned(), family })
    }

    /// The family the key belongs to.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The lowercase hex SHA-256 of the key: what the keys table is keyed by.
    pub fn digest(&self) -> String {
        digest(&SHA256, self.text.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What may be shown after creation: the family prefix and four characters, e.g. `mbk_Ab3f…`.
    pub fn display_prefix(&self) -> String {
        let visible = self.family.prefix().len() + 4;
        format!("{}…", &self.text[..visible])
    }

    /// The secret itself, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.display_prefix())
    }
}

fn checksum(prefix: &str, body: &str) -> String {
    let hash = digest(&SHA256, format!("{prefix}{body}").as_bytes());
    let head = u64::from_be_bytes(hash.as_ref()[..8].try_into().expect("8 bytes"));
    base62::encode_fixed(u128::from(head) % 62u128.pow(CHECKSUM_LEN as u32), CHECKSUM_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        for family in [Family::Project, Family::Account] {
            let key = ApiKey::generate(family);
            assert!(key.expose().starts_with(family.prefix()));
            assert_eq!(key.expose().len(), family.prefix().len() + 38);
            assert_eq!(ApiKey::parse(key.expose()), Some(key));
        }
    }

    #[test]
    fn a_mistyped_key_fails_its_checksum() {
        let key = ApiKey::generate(Family::Account);
        let mut chars: Vec<char> = key.expose().chars().collect();
        let i = 12;
        chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(ApiKey::parse(&typo), None);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for text in [
            "",
            "mbk_",
            "mbk_abc",
            "sk_test_0123456789012345678901234567890123456",
            concat!("mbk_", "1a2b3c4d5e6f7g8h9i0j"),
        ] {
            assert_eq!(ApiKey::parse(text), None, "{text}");
        }
    }

    #[test]
    fn keys_are_random_and_digests_stable() {
        let a = ApiKey::generate(Family::Project);
        let b = ApiKey::generate(Family::Project);
        assert_ne!(a, b);
        assert_eq!(a.digest(), a.digest());
        assert_eq!(a.digest().len(), 64);
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn debug_and_display_prefix_hide_the_secret() {
        let key = ApiKey::generate(Family::Account);
        let shown = format!("{key:?} {}", key.display_prefix());
        assert!(!shown.contains(&key.expose()[8..20]));
        assert!(key.display_prefix().starts_with("sk_live_") && key.display_prefix().ends_with('…'));
    }
}
