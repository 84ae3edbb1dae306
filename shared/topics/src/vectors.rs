//! What is kept per response: its embeddings, compact.

use half::f16;

use crate::embed::DIMS;
use crate::TopicsError;

/// Format version of [`ResponseVectors::to_bytes`]; bump it when the units change meaning
/// (another model, another clause split), so old bytes are refused rather than misread.
const FORMAT: u8 = 1;

/// One embedded piece of a response: the whole text or one of its clauses.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Cosine similarity to the nearest generic answer ("great", "meh", "no complaints"): high
    /// means the unit names no aspect.
    pub generic: f32,
    /// L2-normalised embedding, [`DIMS`] values.
    pub vector: Vec<f32>,
}

impl Unit {
    pub fn new(generic: f32, vector: Vec<f32>) -> Unit {
        Unit { generic, vector }
    }
}

/// The embeddings of one response: `units[0]` is the whole text, then one unit per clause when the
/// response has more than one (see [`crate::split_clauses`]). Stored as f16: 2 + 770 bytes a unit,
/// at most 7 units (under 5.5 KB; most responses are one or three units, 0.8–2.3 KB).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseVectors {
    pub units: Vec<Unit>,
}

impl ResponseVectors {
    pub fn new(units: Vec<Unit>) -> ResponseVectors {
        ResponseVectors { units }
    }

    /// The clause units (those after the whole text), or the whole text when it is one clause.
    pub fn clauses(&self) -> &[Unit] {
        if self.units.len() > 1 {
            &self.units[1..]
        } else {
            &self.units
        }
    }

    /// Compact bytes: a format byte, the unit count, then per unit its genericness and vector
    /// as little-endian f16.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.units.len() * (2 + 2 * DIMS));
        out.push(FORMAT);
        out.push(self.units.len() as u8);
        for u in &self.units {
            out.extend_from_slice(&f16::from_f32(u.generic).to_le_bytes());
            for x in &u.vector {
                out.extend_from_slice(&f16::from_f32(*x).to_le_bytes());
            }
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ResponseVectors, TopicsError> {
        let bad = |why: &str| TopicsError::Format(format!("response vectors: {why}"));
        let (&format, rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
        if format != FORMAT {
            return Err(bad(&format!("format {format}, expected {FORMAT} (re-embed the response)")));
        }
        let (&n, rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let unit_len = 2 * (1 + DIMS);
        if rest.len() != n as usize * unit_len || n == 0 {
            return Err(bad("wrong length"));
        }
        let units = rest
            .chunks_exact(unit_len)
            .map(|chunk| {
                let mut values = chunk.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32());
                let generic = values.next().expect("unit has a genericness");
                Unit::new(generic, values.collect())
            })
            .collect();
        Ok(ResponseVectors { units })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_within_f16_precision() {
        let v: Vec<f32> = (0..DIMS).map(|i| ((i as f32) * 0.37).sin() / 14.0).collect();
        let rv = ResponseVectors::new(vec![Unit::new(0.25, v.clone()), Unit::new(0.8, v.iter().map(|x| -x).collect())]);
        let bytes = rv.to_bytes();
        assert_eq!(bytes.len(), 2 + 2 * 2 * (DIMS + 1));
        let back = ResponseVectors::from_bytes(&bytes).unwrap();
        assert_eq!(back.units.len(), 2);
        assert!((back.units[1].generic - 0.8).abs() < 1e-3);
        for (a, b) in back.units[0].vector.iter().zip(&v) {
            assert!((a - b).abs() < 1e-3);
        }
    }

    #[test]
    fn refuses_other_formats_and_lengths() {
        assert!(ResponseVectors::from_bytes(&[]).is_err());
        assert!(ResponseVectors::from_bytes(&[9, 1]).is_err());
        assert!(ResponseVectors::from_bytes(&[FORMAT, 1, 0, 0]).is_err());
    }
}
