//! Topic discovery: cluster the non-generic clauses of a survey's responses, keep the clusters
//! enough responses fall into, name each by its most telling phrase.

use std::collections::BTreeSet;

use crate::cluster::{average_linkage, cut, Merge};
use crate::embed::{dot, Embedder};
use crate::naming::PhraseIndex;
use crate::params::Params;
use crate::text::{split_clauses, stem};
use crate::tfidf::{self, Idf, Sparse};
use crate::topics::{Sample, Topic, TopicSet};

/// Discovers a survey's topics from its responses (default [`Params`], fresh names; with the
/// model, names are chosen by meaning among the frequent phrases).
pub fn derive_topics(samples: &[Sample], embedder: Option<&Embedder>) -> TopicSet {
    derive_topics_with(samples, None, &Params::default(), embedder)
}

/// Like [`derive_topics`], but a topic whose centre is close to one of `previous` keeps that
/// topic's name, so clients can follow a topic across re-derivations.
pub fn derive_topics_with_previous(
    samples: &[Sample],
    previous: Option<&TopicSet>,
    embedder: Option<&Embedder>,
) -> TopicSet {
    derive_topics_with(samples, previous, &Params::default(), embedder)
}

/// A topic's name among its candidate phrases (best lexical score first): the best-scoring
/// phrase, or — with the model — a longer phrase that contains it and whose own embedding is
/// closer to the topic's centre ("mobile app" over "app", "gantt chart" over "chart"). Only
/// longer phrases that several members use are candidates.
fn pick_name(candidates: &[(f32, String)], centre: &[f32], embedder: Option<&Embedder>) -> Option<String> {
    let best = &candidates.first()?.1;
    let longer: Vec<&str> = candidates
        .iter()
        .filter(|(score, name)| *score > 0.0 && extends(name, best))
        .map(|(_, name)| name.as_str())
        .collect();
    let Some(embedder) = embedder.filter(|_| !longer.is_empty()) else { return Some(best.clone()) };
    let phrases: Vec<&str> = std::iter::once(best.as_str()).chain(longer).collect();
    // Naming is best effort: if the model fails here, the lexical best still names the topic.
    let Ok(vectors) = embedder.embed(&phrases) else { return Some(best.clone()) };
    // The longer phrase must be clearly closer: "digest email" is hardly closer to a cluster about
    // notifications than "email", and it is narrower.
    let base_closeness = dot(&vectors[0], centre) + NAME_MARGIN;
    let closest = phrases.iter().zip(&vectors).skip(1).map(|(name, v)| (dot(v, centre), *name));
    let chosen = closest.filter(|(s, _)| *s > base_closeness).max_by(|a, b| a.0.total_cmp(&b.0));
    Some(chosen.map_or(best.as_str(), |(_, name)| name).to_owned())
}

/// Whether `name` is a longer phrase that contains `base` ("mobile app" and "app").
fn extends(name: &str, base: &str) -> bool {
    let words = |text: &str| text.split(' ').map(stem).collect::<Vec<_>>();
    let (name, base) = (words(name), words(base));
    name.len() > base.len() && name.windows(base.len()).any(|win| win == base.as_slice())
}

/// How much closer to a topic's centre a longer phrase must be to name it instead.
const NAME_MARGIN: f32 = 0.05;

/// A clause of the derivation sample that goes into clustering.
struct ClusterUnit<'a> {
    response: usize,
    text: &'a str,
    vector: &'a [f32],
    terms: Sparse,
}

/// The full discovery, with explicit parameters (for tuning and tests).
pub fn derive_topics_with(
    samples: &[Sample],
    previous: Option<&TopicSet>,
    p: &Params,
    embedder: Option<&Embedder>,
) -> TopicSet {
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
    let mut set = TopicSet::new(Idf::new(samples.iter().map(|s| s.text)), samples.len() as u32, p);

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
    let min_responses = p.min_responses.max((p.min_share * samples.len() as f32).ceil() as usize);
    let height = if p.cut_height > 0.0 { p.cut_height } else { choose_height(&units, &merges, min_responses, p) };
    let labels = cut(n, &merges, height);

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
        let topic = Topic {
            name: String::new(),
            centre: centre_of(&units, &m),
            terms: tfidf::centroid(m.iter().map(|&i| &units[i].terms), p.topic_terms),
            threshold: p.assign_threshold,
            mentions: 0,
            average_rating: None,
        };
        candidates.push((topic, m));
    }

    refine(&units, &mut candidates, p);

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
    kept.sort_by_key(|(t, _)| std::cmp::Reverse(t.mentions));
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
            // A name given while the topic was small must still fit it: one of its best phrases
            // now, or a longer phrase around the best that the model chose ("twice" from a
            // survey's first few responses does not stay; "mobile app" does).
            let texts: Vec<&str> = kept[i].1.iter().map(|&u| units[u].text).collect();
            let candidates = index.candidates(&texts, &BTreeSet::new(), p.name_candidates.max(p.name_keep_rank));
            let old = &prev.topics[j].name;
            let fits = candidates.iter().enumerate().any(|(rank, (score, name))| {
                *score > 0.0 && name == old && (rank < p.name_keep_rank || extends(old, &candidates[0].1))
            });
            if fits && kept[i].0.name.is_empty() && used_old.insert(j) {
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
        let candidates = index.candidates(&texts, &taken, p.name_candidates.max(1));
        let name =
            pick_name(&candidates, &topic.centre, embedder).unwrap_or_else(|| format!("topic {}", taken.len() + 1));
        taken.insert(name.clone());
        topic.name = name;
    }
    set.topics = kept.into_iter().map(|(t, _)| t).collect();
    set
}

/// Spherical k-means over the clause units, started from the dendrogram's clusters: each unit
/// moves to the centre it is most similar to (or to none below the assignment threshold), and
/// centres are recomputed, a few rounds. Average linkage fixes a unit's cluster early; this lets
/// the centres settle where their members are.
fn refine(units: &[ClusterUnit], candidates: &mut Vec<(Topic, Vec<usize>)>, p: &Params) {
    for _ in 0..p.refine_rounds {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
        for (i, u) in units.iter().enumerate() {
            let best = candidates
                .iter()
                .enumerate()
                .map(|(c, (t, _))| {
                    (
                        p.model_weight * dot(u.vector, &t.centre)
                            + (1.0 - p.model_weight) * tfidf::dot(&u.terms, &t.terms),
                        c,
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((s, c)) = best {
                if s >= p.refine_min {
                    members[c].push(i);
                }
            }
        }
        let mut next = Vec::new();
        for ((mut topic, _), m) in candidates.drain(..).zip(members) {
            if m.is_empty() {
                continue;
            }
            topic.centre = centre_of(units, &m);
            topic.terms = tfidf::centroid(m.iter().map(|&i| &units[i].terms), p.topic_terms);
            next.push((topic, m));
        }
        *candidates = next;
    }
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

/// The dendrogram height that yields the most clusters large enough to be topics: lower cuts
/// leave the survey in fragments too small to count, higher ones fuse distinct aspects. Scanned
/// over `auto_cut_range` in steps of 0.01; ties go to the lower (finer) cut.
fn choose_height(units: &[ClusterUnit], merges: &[Merge], min_responses: usize, p: &Params) -> f32 {
    let (lo, hi) = p.auto_cut_range;
    let mut best = (0usize, lo);
    let mut h = lo;
    while h <= hi + 1e-6 {
        let labels = cut(units.len(), merges, h);
        let k = labels.iter().copied().max().map_or(0, |m| m + 1);
        let mut responses: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
        for (i, &l) in labels.iter().enumerate() {
            responses[l].insert(units[i].response);
        }
        let valid = responses.iter().filter(|r| r.len() >= min_responses).count();
        if valid > best.0 {
            best = (valid, h);
        }
        h += 0.01;
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::DIMS;
    use crate::vectors::{ResponseVectors, Unit};

    /// A unit vector near axis `axis`, nudged by `seed` so members are not identical.
    fn near(axis: usize, seed: usize) -> Vec<f32> {
        let mut v = vec![0.0f32; DIMS];
        v[axis] = 1.0;
        v[(axis + 1 + seed % 7) % DIMS] = 0.15;
        v[100 + seed % 50] = 0.1;
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    fn survey() -> (Vec<String>, Vec<ResponseVectors>) {
        let mut texts = Vec::new();
        let mut vectors = Vec::new();
        for i in 0..8 {
            texts.push(format!("delivery fee {i} is steep"));
            vectors.push(ResponseVectors::new(vec![Unit::new(0.1, near(0, i))]));
            texts.push(format!("the courier was late by {i} minutes"));
            vectors.push(ResponseVectors::new(vec![Unit::new(0.1, near(10, i))]));
        }
        for i in 0..4 {
            texts.push("Great!".to_string());
            vectors.push(ResponseVectors::new(vec![Unit::new(0.95, near(20, i))]));
        }
        (texts, vectors)
    }

    fn samples<'a>(texts: &'a [String], vectors: &'a [ResponseVectors]) -> Vec<Sample<'a>> {
        texts.iter().zip(vectors).map(|(t, v)| Sample { text: t, rating: Some(2), vectors: v }).collect()
    }

    #[test]
    fn finds_separated_topics_and_ignores_generic_answers() {
        let (texts, vectors) = survey();
        let set = derive_topics(&samples(&texts, &vectors), None);
        let mut names = set.names();
        names.sort();
        assert_eq!(names, vec!["courier", "delivery fee"]);
        assert_eq!(set.topics[0].mentions, 8);
        assert_eq!(set.topics[0].average_rating, Some(2.0));
        assert_eq!(set.assign(&texts[0], &vectors[0]), vec!["delivery fee"]);
        assert_eq!(set.assign(&texts[1], &vectors[1]), vec!["courier"]);
        assert!(set.assign("Great!", &vectors[16]).is_empty());
    }

    #[test]
    fn a_longer_phrase_extends_the_words_it_contains() {
        assert!(extends("mobile app", "app"));
        assert!(extends("mobile apps crash", "app"), "plural folded");
        assert!(extends("gantt chart view", "chart view"));
        assert!(!extends("app", "app"), "not longer");
        assert!(!extends("apple pie", "app"), "whole words only");
        assert!(!extends("chart gantt view", "gantt chart"), "in order");
    }

    #[test]
    fn keeps_names_of_unchanged_topics() {
        let (texts, vectors) = survey();
        let first = derive_topics(&samples(&texts, &vectors), None);
        let renamed = |fee: &str, courier: &str| {
            let mut previous = first.clone();
            for t in &mut previous.topics {
                t.name = if t.name == "delivery fee" { fee.to_owned() } else { courier.to_owned() };
            }
            let again = derive_topics_with_previous(&samples(&texts, &vectors), Some(&previous), None);
            let mut names: Vec<String> = again.names().into_iter().map(str::to_owned).collect();
            names.sort();
            names
        };
        // Names that are still among their topics' best phrases stay, though not the best now…
        assert_eq!(renamed("fee", "late"), vec!["fee", "late"]);
        // …a name that no longer fits its topic gives way ("steep" is only its fourth phrase).
        assert_eq!(renamed("banana", "late"), vec!["delivery fee", "late"]);
        assert_eq!(renamed("steep", "late"), vec!["delivery fee", "late"]);
    }

    #[test]
    fn stores_and_reads_back() {
        let (texts, vectors) = survey();
        let set = derive_topics(&samples(&texts, &vectors), None);
        let json = serde_json::to_string(&set).unwrap();
        let back: TopicSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back.names(), set.names());
        for (t, v) in texts.iter().zip(&vectors) {
            assert_eq!(back.assign(t, v), set.assign(t, v));
        }
    }

    #[test]
    fn refinement_moves_units_to_their_nearest_centre_and_drops_strangers() {
        let vectors = [near(0, 1), near(0, 2), near(0, 3), near(0, 4), near(10, 5), near(10, 6), near(30, 7)];
        let units: Vec<ClusterUnit> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| ClusterUnit { response: i, text: "", vector: v, terms: Sparse::new() })
            .collect();
        let topic = |members: &[usize]| Topic {
            name: String::new(),
            centre: centre_of(&units, members),
            terms: Sparse::new(),
            threshold: 0.25,
            mentions: 0,
            average_rating: None,
        };
        // The cut left unit 4 (near axis 10) and unit 6 (near neither axis) with the axis-0 units.
        let first = [0, 1, 2, 3, 4, 6];
        let mut candidates = vec![(topic(&first), first.to_vec()), (topic(&[5]), vec![5])];
        refine(&units, &mut candidates, &Params::default());
        let members: Vec<&[usize]> = candidates.iter().map(|(_, m)| m.as_slice()).collect();
        assert_eq!(members, vec![&[0, 1, 2, 3][..], &[4, 5][..]]);
        assert!(dot(&candidates[1].0.centre, &near(10, 0)) > 0.9);
    }

    #[test]
    fn too_few_responses_give_no_topics() {
        let (texts, vectors) = survey();
        let set = derive_topics(&samples(&texts[..2], &vectors[..2]), None);
        assert!(set.topics.is_empty());
        assert!(TopicSet::empty().assign(&texts[0], &vectors[0]).is_empty());
    }
}
