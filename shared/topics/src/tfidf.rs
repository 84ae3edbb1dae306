//! Sparse TF-IDF vectors over stemmed content words. The model's cosine alone blurs topics that
//! share a register ("prices"/"payment" are both about money); the literal words a survey's
//! customers use pull such neighbours apart, so similarities mix both.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::text::{content_words, stem};

/// A unit's terms as (term, weight) sorted by term, L2-normalised.
pub type Sparse = Vec<(String, f32)>;

/// Inverse document frequencies of one survey's terms (document = response).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Idf {
    /// Responses the IDF was computed over.
    pub docs: u32,
    /// Document frequency of every term seen at least twice (rarer terms get the maximum IDF:
    /// keeping them would only grow the stored topic set).
    pub df: BTreeMap<String, u32>,
}

impl Idf {
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a str>) -> Idf {
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut n = 0;
        for text in docs {
            n += 1;
            let mut terms = terms(text);
            terms.sort();
            terms.dedup();
            for t in terms {
                *df.entry(t).or_default() += 1;
            }
        }
        Idf { docs: n, df: df.into_iter().filter(|(_, c)| *c >= 2).collect() }
    }

    pub fn weight(&self, term: &str) -> f32 {
        let df = self.df.get(term).copied().unwrap_or(1) as f32;
        ((1.0 + self.docs as f32) / (1.0 + df)).ln() + 1.0
    }

    /// The TF-IDF vector of a text (sublinear TF), L2-normalised; empty without content words.
    pub fn vector(&self, text: &str) -> Sparse {
        let mut tf: BTreeMap<String, f32> = BTreeMap::new();
        for t in terms(text) {
            *tf.entry(t).or_default() += 1.0;
        }
        let mut v: Sparse =
            tf.into_iter().map(|(t, c)| (self.weight(&t) * (1.0 + c.ln()), t)).map(|(w, t)| (t, w)).collect();
        normalise(&mut v);
        v
    }
}

/// Stemmed content words of a text.
pub fn terms(text: &str) -> Vec<String> {
    content_words(text).iter().map(|w| stem(w)).collect()
}

pub fn normalise(v: &mut Sparse) {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
}

/// Dot product of two term-sorted sparse vectors.
pub fn dot(a: &Sparse, b: &Sparse) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// The normalised mean of sparse vectors, keeping its `keep` heaviest terms (a topic's profile).
pub fn centroid<'a>(vectors: impl IntoIterator<Item = &'a Sparse>, keep: usize) -> Sparse {
    let mut sum: HashMap<&str, f32> = HashMap::new();
    for v in vectors {
        for (t, w) in v {
            *sum.entry(t.as_str()).or_default() += w;
        }
    }
    let mut top: Vec<(String, f32)> = sum.into_iter().map(|(t, w)| (t.to_string(), w)).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(keep);
    top.sort_by(|a, b| a.0.cmp(&b.0));
    normalise(&mut top);
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_terms_weigh_more_and_vectors_are_unit_length() {
        let idf = Idf::new(["the fees are high", "fees again", "cold food", "cold soup and fees"]);
        assert!(idf.weight("soup") > idf.weight("fee"));
        let v = idf.vector("Fees, fees and cold soup");
        assert!((v.iter().map(|(_, w)| w * w).sum::<f32>() - 1.0).abs() < 1e-5);
        assert!((dot(&v, &v) - 1.0).abs() < 1e-5);
        assert_eq!(dot(&v, &idf.vector("nothing in common here")), 0.0);
    }

    #[test]
    fn centroid_keeps_the_heaviest_terms() {
        let idf = Idf::new(["a fee", "b fee", "c"]);
        let c = centroid([&idf.vector("fee high"), &idf.vector("fee steep")], 2);
        assert_eq!(c.len(), 2);
        assert!(c.iter().any(|(t, _)| t == "fee"));
    }
}
