//! Opaque cursors for the `/api/v1` lists: a Query's last evaluated key, bound to its list and its
//! scope (the account and the filters). A cursor that was tampered with, made for another list or
//! another account, or is simply not ours, answers 400 — it can never open someone else's items,
//! because its key must carry the caller's own partition value.
//!
//! A cursor ends with a check tag over its payload, so a client that edits one by hand gets a 400
//! rather than a shifted page. The tag is not a secret-keyed MAC (this code is open): a determined
//! forger can recompute it, but the partition check above still confines the forged position to
//! the caller's own list, and each list checks the position's range before it queries (a start
//! key outside a Query's key condition would otherwise come back from DynamoDB as a 500).

use crate::store::{s, Item};
use crate::{Error, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// The list (`keys`, `surveys`…).
    l: String,
    /// The scope: account and filters.
    s: String,
    /// The last evaluated key, string attributes only (every key of our indexes is a string).
    k: BTreeMap<String, String>,
}

/// Bytes of the check tag at the end of a cursor.
const TAG_LEN: usize = 12;

/// The check tag of a payload.
fn tag(payload: &[u8]) -> [u8; TAG_LEN] {
    let mut context = Context::new(&SHA256);
    context.update(b"hearken cursor v1\0");
    context.update(payload);
    let mut tag = [0; TAG_LEN];
    tag.copy_from_slice(&context.finish().as_ref()[..TAG_LEN]);
    tag
}

/// The 400 of a cursor that is not the unchanged `nextCursor` of this list.
pub fn invalid() -> Error {
    Error::bad_request("Invalid cursor: pass back the nextCursor of the same list, unchanged")
}

/// The cursor for the next page after `last_key`.
pub fn encode(list: &str, scope: &str, last_key: &Item) -> String {
    let k = last_key.iter().filter_map(|(name, value)| Some((name.clone(), value.as_s().ok()?.clone()))).collect();
    let payload = Payload { l: list.to_owned(), s: scope.to_owned(), k };
    let mut bytes = serde_json::to_vec(&payload).expect("cursor payload serialises");
    let tag = tag(&bytes);
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The start key a cursor stands for; 400 unless it was made for this list and scope, holds
/// exactly the attributes `attributes` of the list's index, and its `partition` attribute holds
/// `owner`.
pub fn decode(text: &str, list: &str, scope: &str, partition: (&str, &str), attributes: &[&str]) -> Result<Item> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
    let at = bytes.len().checked_sub(TAG_LEN).ok_or_else(invalid)?;
    let (body, check) = bytes.split_at(at);
    if tag(body) != check {
        return Err(invalid());
    }
    let payload: Payload = serde_json::from_slice(body).map_err(|_| invalid())?;
    let (attribute, owner) = partition;
    let exact = payload.k.len() == attributes.len()
        && attributes.iter().all(|a| payload.k.get(*a).is_some_and(|v| !v.is_empty()));
    if payload.l != list || payload.s != scope || !exact || payload.k.get(attribute).map(String::as_str) != Some(owner)
    {
        return Err(invalid());
    }
    Ok(payload
        .k
        .into_iter()
        .map(|(name, value)| (name, s(value)))
        .collect::<std::collections::HashMap<String, AttributeValue>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["accountId", "id", "digest"];

    fn key(account: &str) -> Item {
        [("accountId".to_owned(), s(account)), ("id".to_owned(), s("key_1")), ("digest".to_owned(), s("ab"))]
            .into_iter()
            .collect()
    }

    #[test]
    fn a_cursor_round_trips_for_its_list_and_scope() {
        let cursor = encode("keys", "acc_1", &key("acc_1"));
        assert_eq!(decode(&cursor, "keys", "acc_1", ("accountId", "acc_1"), KEYS).unwrap(), key("acc_1"));
    }

    #[test]
    fn a_foreign_or_tampered_cursor_is_refused() {
        let cursor = encode("keys", "acc_1", &key("acc_1"));
        assert!(decode(&cursor, "surveys", "acc_1", ("accountId", "acc_1"), KEYS).is_err(), "another list");
        assert!(decode(&cursor, "keys", "acc_2", ("accountId", "acc_2"), KEYS).is_err(), "another account");
        let forged = encode("keys", "acc_2", &key("acc_1"));
        assert!(decode(&forged, "keys", "acc_2", ("accountId", "acc_2"), KEYS).is_err(), "a key of another partition");
        let partial: Item = [("accountId".to_owned(), s("acc_1"))].into_iter().collect();
        assert!(
            decode(&encode("keys", "acc_1", &partial), "keys", "acc_1", ("accountId", "acc_1"), KEYS).is_err(),
            "missing attributes"
        );
        assert!(decode("not-a-cursor!", "keys", "acc_1", ("accountId", "acc_1"), KEYS).is_err());
        let mut flipped = cursor.into_bytes();
        flipped[3] ^= 1;
        assert!(decode(&String::from_utf8_lossy(&flipped), "keys", "acc_1", ("accountId", "acc_1"), KEYS).is_err());
    }

    #[test]
    fn a_cursor_edited_by_hand_is_refused_even_when_its_shape_is_right() {
        let cursor = encode("keys", "acc_1", &key("acc_1"));
        let bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        let json = String::from_utf8(bytes[..bytes.len() - TAG_LEN].to_vec()).unwrap();
        let edited = json.replace("key_1", "key_2");
        let mut forged = edited.clone().into_bytes();
        forged.extend_from_slice(&bytes[bytes.len() - TAG_LEN..]);
        assert!(decode(&URL_SAFE_NO_PAD.encode(forged), "keys", "acc_1", ("accountId", "acc_1"), KEYS).is_err());
        assert!(
            decode(&URL_SAFE_NO_PAD.encode(edited), "keys", "acc_1", ("accountId", "acc_1"), KEYS).is_err(),
            "no tag"
        );
    }
}
