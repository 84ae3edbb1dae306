//! Signatures per the Standard Webhooks specification: the secret is `whsec_` and the base64 of
//! its bytes; each delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature: v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, so a
//! receiver verifies it with the reference libraries (`standardwebhooks` on PyPI and npm).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// What every secret starts with.
const PREFIX: &str = "whsec_";

/// Random bytes in a new secret (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// An endpoint's signing secret, as shown once and stored (`whsec_…`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    // Never printed, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new random secret.
    pub fn generate() -> Secret {
        let mut bytes = [0u8; SECRET_BYTES];
        SystemRandom::new().fill(&mut bytes).expect("the system's random source works");
        Secret(format!("{PREFIX}{}", STANDARD.encode(bytes)))
    }

    /// A stored secret (`None` when it is not one).
    pub fn parse(text: &str) -> Option<Secret> {
        let bytes = STANDARD.decode(text.strip_prefix(PREFIX)?).ok()?;
        (!bytes.is_empty()).then(|| Secret(text.to_owned()))
    }

    /// The secret as shown and stored.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `webhook-signature` value for a delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let bytes = STANDARD.decode(&self.0[PREFIX.len()..]).expect("a parsed or generated secret decodes");
        let key = hmac::Key::new(hmac::HMAC_SHA256, &bytes);
        let tag = hmac::sign(&key, format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", STANDARD.encode(tag.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_specification_s_example() {
        // The example of the Standard Webhooks specification (and of its reference libraries).
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_random_parse_back_and_never_print() {
        let (one, two) = (Secret::generate(), Secret::generate());
        assert_ne!(one, two);
        assert_eq!(Secret::parse(one.expose()), Some(one.clone()));
        assert!(Secret::parse("whsec_").is_none() && Secret::parse("sk_live_x").is_none());
        assert!(!format!("{one:?}").contains(&one.expose()[6..]));
    }
}
