//! Serde helper: a vector of f32 stored as base64 of little-endian f16 (a 384-value centre takes
//! 1 KB instead of ~4 KB of JSON numbers; f16 keeps cosines to ~1e-3).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use half::f16;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
    let bytes: Vec<u8> = v.iter().flat_map(|x| f16::from_f32(*x).to_le_bytes()).collect();
    s.serialize_str(&STANDARD.encode(bytes))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
    let text = String::deserialize(d)?;
    let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
    if bytes.len() % 2 != 0 {
        return Err(serde::de::Error::custom("odd number of f16 bytes"));
    }
    Ok(bytes.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()).collect())
}
