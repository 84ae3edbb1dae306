//! Typed, prefixed ids (`acc_…`, `proj_…`, `fb_…`, `key_…`, `srv_…`, `q_…`, `rsp_…`, `whk_…`, `dlv_…`, `tg_…`). The body is a UUIDv7 in fixed-width
//! base62, so ids sort by creation time: an index ordered by id lists newest first read backwards.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Width of the base62 body: 22 digits hold any 128-bit value.
const BODY_WIDTH: usize = 22;

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, crate::base62::encode_fixed(uuid::Uuid::now_v7().as_u128(), BODY_WIDTH)))
            }

            /// A new id that sorts at the millisecond `unix_ms` (for items whose time is given,
            /// so that their id and their timestamp fall on the same day).
            pub fn generate_at(unix_ms: i64) -> Self {
                let ms = unix_ms.max(0) as u64;
                let at = uuid::Timestamp::from_unix(uuid::NoContext, ms / 1000, (ms % 1000) as u32 * 1_000_000);
                Self(format!("{}{}", $prefix, crate::base62::encode_fixed(uuid::Uuid::new_v7(at).as_u128(), BODY_WIDTH)))
            }

            /// The millisecond this id was generated at.
            pub fn unix_ms(&self) -> Option<i64> {
                let body = self.0.strip_prefix($prefix)?;
                Some((crate::base62::decode(body)? >> 80) as i64)
            }

            /// Accepts only a well-formed id of this kind, so a bad id never reaches the database.
            pub fn parse(text: &str) -> Option<Self> {
                let body = text.strip_prefix($prefix)?;
                (body.len() == BODY_WIDTH && crate::base62::is_base62(body)).then(|| Self(text.to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id of the millisecond `unix_ms` whose random part is drawn from `seed` (SHA-256):
            /// the same seed gives the same id, so a write made again (a stream record delivered
            /// twice) finds its first copy instead of making a second.
            pub fn derived(unix_ms: i64, seed: &[u8]) -> Self {
                let digest = ring::digest::digest(&ring::digest::SHA256, seed);
                let mut low = [0u8; 16];
                low[6..].copy_from_slice(&digest.as_ref()[..10]);
                let value = ((unix_ms.max(0) as u128) << 80) | u128::from_be_bytes(low);
                Self(format!("{}{}", $prefix, crate::base62::encode_fixed(value, BODY_WIDTH)))
            }

            /// The smallest (`upper` false) or largest (`upper` true) id that can be generated in
            /// the millisecond `unix_ms`: bounds for a key condition on a time range.
            pub fn bound_at(unix_ms: i64, upper: bool) -> String {
                let time = (unix_ms.max(0) as u128) << 80;
                let value = if upper { time | ((1u128 << 80) - 1) } else { time };
                format!("{}{}", $prefix, crate::base62::encode_fixed(value, BODY_WIDTH))
            }
        }

        /// In the OpenAPI document: a string of this kind's shape.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .pattern(Some(concat!("^", $prefix, "[0-9A-Za-z]{22}$")))
                    .examples([concat!($prefix, "0B3xkPq9Zr4TmW8vYc2LhN")])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// An account, the owner of everything else.
    AccountId,
    "acc_"
);
prefixed_id!(
    /// A Miniback project.
    ProjectId,
    "proj_"
);
prefixed_id!(
    /// A piece of Miniback feedback.
    FeedbackId,
    "fb_"
);
prefixed_id!(
    /// An API key (the id, never the secret).
    KeyId,
    "key_"
);
prefixed_id!(
    /// A RateMind survey.
    SurveyId,
    "srv_"
);

prefixed_id!(
    /// A question of a survey.
    QuestionId,
    "q_"
);
prefixed_id!(
    /// A customer's response to a survey.
    ResponseId,
    "rsp_"
);
prefixed_id!(
    /// A webhook endpoint of an account.
    WebhookId,
    "whk_"
);
prefixed_id!(
    /// An owner's topic guide on a survey.
    TopicGuideId,
    "tg_"
);

prefixed_id!(
    /// One event's delivery to one webhook endpoint; its `webhook-id` across every attempt.
    DeliveryId,
    "dlv_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_carry_their_time() {
        let one = DeliveryId::derived(1_700_000_000_000, b"event-1/whk_a");
        assert_eq!(one, DeliveryId::derived(1_700_000_000_000, b"event-1/whk_a"));
        assert_ne!(one, DeliveryId::derived(1_700_000_000_000, b"event-1/whk_b"));
        assert!(DeliveryId::parse(one.as_str()).is_some());
        assert!(DeliveryId::bound_at(1_700_000_000_000, false).as_str() <= one.as_str());
        assert!(one.as_str() <= DeliveryId::bound_at(1_700_000_000_000, true).as_str());
    }

    #[test]
    fn ids_are_prefixed_and_time_ordered() {
        let first = FeedbackId::generate();
        let second = FeedbackId::generate();
        assert!(first.as_str().starts_with("fb_"));
        assert!(first < second, "{first} should sort before {second}");
    }

    #[test]
    fn time_bounds_enclose_ids_of_that_millisecond() {
        let id = FeedbackId::generate();
        let now = chrono::Utc::now().timestamp_millis();
        assert!(FeedbackId::bound_at(now - 5, false).as_str() < id.as_str());
        assert!(id.as_str() <= FeedbackId::bound_at(now + 5, true).as_str());
        assert!(FeedbackId::bound_at(now + 5, false).as_str() > id.as_str());
    }

    #[test]
    fn ids_made_at_a_time_carry_it() {
        let at = 1_796_083_199_999; // 2026-11-30T23:59:59.999Z
        let id = ResponseId::generate_at(at);
        assert_eq!(id.unix_ms(), Some(at));
        assert!(ResponseId::bound_at(at, false).as_str() <= id.as_str());
        assert!(id.as_str() <= ResponseId::bound_at(at, true).as_str());
    }

    #[test]
    fn parse_accepts_only_its_own_kind() {
        let id = ProjectId::generate();
        assert_eq!(ProjectId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(AccountId::parse(id.as_str()), None);
        assert_eq!(ProjectId::parse("proj_123"), None);
        assert_eq!(ProjectId::parse("proj_!!!!!!!!!!!!!!!!!!!!!!"), None);
    }
}
