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
    /// Centres of the topic's tighter sub-clusters (a topic is often a few phrasings: "late",
    /// "took ages", "quick"); a clause is scored against the nearest one.
    #[serde(with = "crate::serde_f16::many")]
    pub prototypes: Vec<Vec<f32>>,
    /// The topic's heaviest TF-IDF terms (stemmed, L2-normalised).
    pub terms: Sparse,
    /// Similarity a clause needs to get this topic.
    pub threshold: f32,
    /// Responses of the derivation sample assigned to it, and their mean rating (a summary of
    /// the sample; live counts come from assignment).
    pub mentions: u32,
    pub average_rating: Option<f32>,
    /// Mean model cosine of the topic's clauses to its centre (how tight it is).
    pub cohesion: f32,
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
    /// Most topics one unit (clause or whole text) gets, and how close to its best topic's
    /// margin another must be to count too.
    pub unit_topics: usize,
    pub unit_margin: f32,
    /// Whether the whole text of a several-clause response is scored too, besides its clauses.
    pub whole_text: bool,
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
            unit_topics: p.unit_topics,
            unit_margin: p.unit_margin,
            whole_text: p.whole_text,
            responses: 0,
        }
    }

    /// The names of the topics one response talks about (possibly none), most similar first.
    /// Deterministic and independent of other responses: a clause (or the whole text) gets a
    /// topic when its similarity to the topic's centre reaches the topic's threshold.
    pub fn assign(&self, text: &str, vectors: &ResponseVectors) -> Vec<String> {
        let units = self.units(text, vectors);
        // Per topic, the best margin (similarity − threshold) over the units that give it.
        let mut best: Vec<Option<f32>> = vec![None; self.topics.len()];
        for (v, terms) in &units {
            let mut margins: Vec<(f32, usize)> = self
                .topics
                .iter()
                .enumerate()
                .map(|(t, topic)| (self.similarity(v, terms, topic) - topic.threshold, t))
                .filter(|(m, _)| *m >= 0.0)
                .collect();
            margins.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let top = margins.first().map_or(0.0, |m| m.0);
            for &(m, t) in margins.iter().take(self.unit_topics).filter(|(m, _)| top - m <= self.unit_margin) {
                best[t] = Some(best[t].map_or(m, |b: f32| b.max(m)));
            }
        }
        let mut hits: Vec<(f32, usize)> = best.iter().enumerate().filter_map(|(t, m)| m.map(|m| (m, t))).collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(self.max_per_response);
        hits.into_iter().map(|(_, t)| self.topics[t].name.clone()).collect()
    }

    /// The response's non-generic units with their TF-IDF vectors. Clause texts are recomputed
    /// from the text; if they do not line up with the stored vectors (vectors from another
    /// clause splitter), only the whole text is used.
    fn units<'v>(&self, text: &str, vectors: &'v ResponseVectors) -> Vec<(&'v [f32], Sparse)> {
        let clauses = split_clauses(text);
        let (texts, skip): (Vec<&str>, usize) = if clauses.len() + 1 == vectors.units.len() {
            let texts = std::iter::once(text).chain(clauses.iter().map(String::as_str)).collect();
            (texts, usize::from(!self.whole_text))
        } else {
            (vec![text], 0)
        };
        texts
            .iter()
            .zip(&vectors.units)
            .skip(skip)
            .filter(|(_, u)| u.generic < self.generic_max)
            .map(|(t, u)| (u.vector.as_slice(), self.idf.vector(t)))
            .collect()
    }

    fn similarity(&self, v: &[f32], terms: &Sparse, topic: &Topic) -> f32 {
        let model = topic.prototypes.iter().map(|c| dot(v, c)).fold(dot(v, &topic.centre), f32::max);
        self.model_weight * model + (1.0 - self.model_weight) * tfidf::dot(terms, &topic.terms)
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
        unit_topics: p.unit_topics,
        unit_margin: p.unit_margin,
        whole_text: p.whole_text,
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
    // Clause-level distances are noisy, so one topic often ends up as a few clusters whose
    // centres are close: join those (greedily, closest pair first).
    let mut groups: Vec<(Vec<usize>, Vec<f32>)> = members
        .into_iter()
        .filter(|m| m.iter().map(|&i| units[i].response).collect::<BTreeSet<_>>().len() >= 2)
        .map(|m| {
            let c = centre_of(&units, &m);
            (m, c)
        })
        .collect();
    loop {
        let mut best: Option<(f32, usize, usize)> = None;
        for i in 0..groups.len() {
            for j in (i + 1)..groups.len() {
                let s = dot(&groups[i].1, &groups[j].1);
                if s >= p.merge_similarity && best.is_none_or(|b| s > b.0) {
                    best = Some((s, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { break };
        let (m, _) = groups.swap_remove(j);
        groups[i].0.extend(m);
        groups[i].1 = centre_of(&units, &groups[i].0);
    }

    let mut candidates: Vec<(Topic, Vec<usize>)> = Vec::new();
    for (m, centre) in groups {
        let responses: BTreeSet<usize> = m.iter().map(|&i| units[i].response).collect();
        if responses.len() < min_responses {
            continue;
        }
        // A loose cluster gathers clauses that share a word or a register ("the food…") rather
        // than an aspect: it would be a topic that everything is a bit close to.
        let cohesion = m.iter().map(|&i| dot(units[i].vector, &centre)).sum::<f32>() / m.len() as f32;
        if cohesion < p.min_cohesion {
            continue;
        }
        let terms = tfidf::centroid(m.iter().map(|&i| &units[i].terms), p.topic_terms);
        let prototypes = prototypes(&units, &m, &merges, p);
        let mut topic = Topic {
            name: String::new(),
            centre,
            prototypes,
            terms,
            threshold: p.assign_threshold,
            mentions: 0,
            average_rating: None,
            cohesion,
        };
        if p.relative_threshold > 0.0 {
            let spread = m.iter().map(|&i| set.similarity(units[i].vector, &units[i].terms, &topic)).sum::<f32>()
                / m.len() as f32;
            topic.threshold = p.assign_threshold.max(p.relative_threshold * spread);
        }
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

/// Normalised mean embedding of some units.
fn centre_of(units: &[ClusterUnit], members: &[usize]) -> Vec<f32> {
    let mut centre = vec![0.0f32; units[members[0]].vector.len()];
    for &i in members {
        centre.iter_mut().zip(units[i].vector).for_each(|(c, x)| *c += x);
    }
    let norm = centre.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    centre.iter_mut().for_each(|c| *c /= norm);
    centre
}

/// The sub-clusters of a topic's members at the tighter `proto_height` cut, as centres (those with
/// at least `proto_min` units; at most `max_prototypes`, largest first).
fn prototypes(units: &[ClusterUnit], members: &[usize], merges: &[crate::cluster::Merge], p: &Params) -> Vec<Vec<f32>> {
    if p.proto_height <= 0.0 {
        return Vec::new();
    }
    let labels = cut(units.len(), merges, p.proto_height);
    let mut subs: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for &i in members {
        subs.entry(labels[i]).or_default().push(i);
    }
    let mut subs: Vec<Vec<usize>> = subs.into_values().filter(|s| s.len() >= p.proto_min).collect();
    subs.sort_by(|a, b| b.len().cmp(&a.len()));
    subs.truncate(p.max_prototypes);
    subs.iter().map(|s| centre_of(units, s)).collect()
}
