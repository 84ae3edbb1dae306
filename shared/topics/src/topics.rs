//! A survey's topics: discovery (cluster the clauses of its responses, name the clusters) and
//! assignment (a response gets every topic one of its clauses is close to).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::cluster::{average_linkage, cut};
use crate::embed::dot;
use crate::naming::PhraseIndex;
use crate::params::Params;
use crate::text::split_clauses;
use crate::tfidf::{self, Idf, Sparse};
use crate::vectors::ResponseVectors;

/// Format version of a stored [`TopicSet`]: a set of another version is re-derived, not read.
pub const TOPIC_SET_FORMAT: u32 = 1;

/// One response as topic discovery sees it.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub text: &'a str,
    /// The response's rating (1–5), if it has one: only used for each topic's summary.
    pub rating: Option<u8>,
    pub vectors: &'a ResponseVectors,
}

/// One discovered topic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Topic {
    /// A readable lower-case phrase customers use for it ("delivery fee", "search").
    pub name: String,
    /// Mean embedding of the clauses the topic was found from (L2-normalised; stored as f16).
    #[serde(with = "crate::serde_f16")]
    pub centre: Vec<f32>,
    /// The topic's heaviest TF-IDF terms (stemmed, L2-normalised).
    pub terms: Sparse,
    /// Similarity a clause needs to get this topic.
    pub threshold: f32,
    /// Responses of the derivation sample assigned to it, and their mean rating (a summary of
    /// the sample; live counts come from assignment).
    pub mentions: u32,
    pub average_rating: Option<f32>,
}

/// A survey's topics, sorted by mentions (most first). Serialisable: about 2 KB a topic plus the
/// survey's term statistics (tens of KB), well under DynamoDB's item limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicSet {
    pub format: u32,
    pub topics: Vec<Topic>,
    /// Term statistics of the derivation sample, so new responses are weighed the same way.
    pub idf: Idf,
    /// Units at least this close to a generic answer carry no topic.
    pub generic_max: f32,
    /// Weight of the model's cosine in a similarity (the rest is TF-IDF cosine).
    pub model_weight: f32,
    /// Most topics one response gets.
    pub max_per_response: usize,
    /// Responses the set was derived from.
    pub responses: u32,
}

impl TopicSet {
    /// A set with no topics (a survey without responses yet): assigns nothing.
    pub fn empty() -> TopicSet {
        let p = Params::default();
        TopicSet {
            format: TOPIC_SET_FORMAT,
            topics: Vec::new(),
            idf: Idf::default(),
            generic_max: p.generic_max,
            model_weight: p.model_weight,
            max_per_response: p.max_per_response,
            responses: 0,
        }
    }

    /// The names of the topics one response talks about (possibly none), most similar first.
    /// Deterministic and independent of other responses: a clause (or the whole text) gets a
    /// topic when its similarity to the topic's centre reaches the topic's threshold.
    pub fn assign(&self, text: &str, vectors: &ResponseVectors) -> Vec<String> {
        let units = self.units(text, vectors);
        let mut hits: Vec<(f32, usize)> = Vec::new();
        for (t, topic) in self.topics.iter().enumerate() {
            let best = units.iter().map(|(v, terms)| self.similarity(v, terms, topic)).fold(f32::MIN, f32::max);
            if best >= topic.threshold {
                hits.push((best - topic.threshold, t));
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(self.max_per_response);
        hits.into_iter().map(|(_, t)| self.topics[t].name.clone()).collect()
    }

    /// The response's non-generic units with their TF-IDF vectors. Clause texts are recomputed
    /// from the text; if they do not line up with the stored vectors (vectors from another
    /// clause splitter), only the whole text is used.
    fn units<'v>(&self, text: &str, vectors: &'v ResponseVectors) -> Vec<(&'v [f32], Sparse)> {
        let clauses = split_clauses(text);
        let texts: Vec<&str> = if clauses.len() + 1 == vectors.units.len() {
            std::iter::once(text).chain(clauses.iter().map(String::as_str)).collect()
        } else {
            vec![text]
        };
        texts
            .iter()
            .zip(&vectors.units)
            .filter(|(_, u)| u.generic < self.generic_max)
            .map(|(t, u)| (u.vector.as_slice(), self.idf.vector(t)))
            .collect()
    }

    fn similarity(&self, v: &[f32], terms: &Sparse, topic: &Topic) -> f32 {
        self.model_weight * dot(v, &topic.centre) + (1.0 - self.model_weight) * tfidf::dot(terms, &topic.terms)
    }

    pub fn names(&self) -> Vec<&str> {
        self.topics.iter().map(|t| t.name.as_str()).collect()
    }
}

/// Discovers a survey's topics from its responses (default [`Params`], fresh names).
pub fn derive_topics(samples: &[Sample]) -> TopicSet {
    derive_topics_with(samples, None, &Params::default())
}

/// Like [`derive_topics`], but a topic whose centre is close to one of `previous` keeps that
/// topic's name, so clients can follow a topic across re-derivations.
pub fn derive_topics_with_previous(samples: &[Sample], previous: Option<&TopicSet>) -> TopicSet {
    derive_topics_with(samples, previous, &Params::default())
}

/// A clause of the derivation sample that goes into clustering.
struct ClusterUnit<'a> {
    response: usize,
    text: &'a str,
    vector: &'a [f32],
    terms: Sparse,
}

/// The full discovery, with explicit parameters (for tuning and tests).
pub fn derive_topics_with(samples: &[Sample], previous: Option<&TopicSet>, p: &Params) -> TopicSet {
    // The most recent samples (callers pass them oldest first) up to the unit cap: the distance
    // matrix is units², so this bounds time and memory whatever the survey's size.
    let mut start = samples.len();
    let mut total = 0;
    while start > 0 {
        let n = samples[start - 1].vectors.clauses().len();
        if total + n > p.max_units {
            break;
        }
        total += n;
        start -= 1;
    }
    let samples = &samples[start..];
    let idf = Idf::new(samples.iter().map(|s| s.text));
    let mut set = TopicSet {
        format: TOPIC_SET_FORMAT,
        topics: Vec::new(),
        idf,
        generic_max: p.generic_max,
        model_weight: p.model_weight,
        max_per_response: p.max_per_response,
        responses: samples.len() as u32,
    };

    let clause_texts: Vec<Vec<String>> = samples.iter().map(|s| split_clauses(s.text)).collect();
    let mut units: Vec<ClusterUnit> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let clauses = s.vectors.clauses();
        let texts: Vec<&str> = if s.vectors.units.len() > 1 && clause_texts[i].len() == clauses.len() {
            clause_texts[i].iter().map(String::as_str).collect()
        } else {
            vec![s.text; clauses.len()]
        };
        for (u, text) in clauses.iter().zip(texts) {
            let terms = set.idf.vector(text);
            if u.generic < p.generic_max && !terms.is_empty() {
                units.push(ClusterUnit { response: i, text, vector: &u.vector, terms });
            }
        }
    }
    if units.len() < 2 {
        return set;
    }

    let n = units.len();
    let mut dist = vec![0.0f32; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let s = p.model_weight * dot(units[i].vector, units[j].vector)
                + (1.0 - p.model_weight) * tfidf::dot(&units[i].terms, &units[j].terms);
            dist[i * n + j] = 1.0 - s;
            dist[j * n + i] = 1.0 - s;
        }
    }
    let merges = average_linkage(n, dist);
    let labels = cut(n, &merges, p.cut_height);

    let min_responses = p.min_responses.max((p.min_share * samples.len() as f32).ceil() as usize);
    let clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters];
    for (i, &l) in labels.iter().enumerate() {
        members[l].push(i);
    }
    let mut candidates: Vec<(Topic, Vec<usize>)> = Vec::new();
    for m in members {
        let responses: BTreeSet<usize> = m.iter().map(|&i| units[i].response).collect();
        if responses.len() < min_responses {
            continue;
        }
        let mut centre = vec![0.0f32; units[m[0]].vector.len()];
        for &i in &m {
            centre.iter_mut().zip(units[i].vector).for_each(|(c, x)| *c += x);
        }
        let norm = centre.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
        centre.iter_mut().for_each(|c| *c /= norm);
        let terms = tfidf::centroid(m.iter().map(|&i| &units[i].terms), p.topic_terms);
        let topic =
            Topic { name: String::new(), centre, terms, threshold: p.assign_threshold, mentions: 0, average_rating: None };
        candidates.push((topic, m));
    }

    // Assign the sample with the candidates, then keep the topics that enough responses get.
    set.topics = candidates.iter().map(|(t, _)| t.clone()).collect();
    for (t, topic) in set.topics.iter_mut().enumerate() {
        topic.name = format!("#{t}");
    }
    let assigned: Vec<Vec<String>> = samples.iter().map(|s| set.assign(s.text, s.vectors)).collect();
    let mut kept: Vec<(Topic, Vec<usize>)> = Vec::new();
    for (t, (mut topic, m)) in candidates.into_iter().enumerate() {
        let key = format!("#{t}");
        let ratings: Vec<f32> = samples
            .iter()
            .zip(&assigned)
            .filter(|(_, names)| names.contains(&key))
            .map(|(s, _)| s.rating.map_or(f32::NAN, f32::from))
            .collect();
        if ratings.len() < min_responses {
            continue;
        }
        topic.mentions = ratings.len() as u32;
        let rated: Vec<f32> = ratings.into_iter().filter(|r| !r.is_nan()).collect();
        topic.average_rating = (!rated.is_empty()).then(|| rated.iter().sum::<f32>() / rated.len() as f32);
        kept.push((topic, m));
    }
    kept.sort_by(|a, b| b.0.mentions.cmp(&a.0.mentions));
    kept.truncate(p.max_topics);

    // Names: first the previous set's names for topics that are essentially the same, then the
    // best phrase of each remaining cluster.
    let index = PhraseIndex::new(&samples.iter().map(|s| s.text).collect::<Vec<_>>());
    let mut taken: BTreeSet<String> = BTreeSet::new();
    if let Some(prev) = previous {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (i, (t, _)) in kept.iter().enumerate() {
            for (j, old) in prev.topics.iter().enumerate() {
                let s = dot(&t.centre, &old.centre);
                if s >= p.rename_similarity {
                    pairs.push((s, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut used_old = BTreeSet::new();
        for (_, i, j) in pairs {
            if kept[i].0.name.is_empty() && used_old.insert(j) {
                kept[i].0.name = prev.topics[j].name.clone();
                taken.insert(kept[i].0.name.clone());
            }
        }
    }
    for (topic, m) in kept.iter_mut() {
        if !topic.name.is_empty() {
            continue;
        }
        let texts: Vec<&str> = m.iter().map(|&i| units[i].text).collect();
        let name = index.name(&texts, &taken).unwrap_or_else(|| format!("topic {}", taken.len() + 1));
        taken.insert(name.clone());
        topic.name = name;
    }
    set.topics = kept.into_iter().map(|(t, _)| t).collect();
    set
}
