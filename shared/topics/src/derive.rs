//! Topic discovery: the owner's guides first, then clusters of the non-generic clauses the guides
//! do not cover; keep the clusters enough responses fall into, name each by its most telling phrase.

use std::collections::BTreeSet;

use crate::cluster::{average_linkage, cut, Merge};
use crate::embed::{dot, Embedder};
use crate::guides::Steering;
use crate::naming::PhraseIndex;
use crate::params::Params;
use crate::text::{split_clauses, stem};
use crate::tfidf::{self, Idf, Sparse};
use crate::topics::{two_best, Sample, Topic, TopicSet};

/// Discovers a survey's topics from its responses (default [`Params`], no guides, fresh names;
/// with the model, names are chosen by meaning among the frequent phrases).
pub fn derive_topics(samples: &[Sample], embedder: Option<&Embedder>) -> TopicSet {
    derive_topics_with(samples, None, &Steering::default(), &Params::default(), embedder)
}

/// Like [`derive_topics`], steered by the owner's guides, and a discovered topic whose centre is
/// close to one of `previous` keeps that topic's name, so clients can follow a topic across
/// re-derivations.
pub fn derive_topics_with_previous(
    samples: &[Sample],
    previous: Option<&TopicSet>,
    steering: &Steering,
    embedder: Option<&Embedder>,
) -> TopicSet {
    derive_topics_with(samples, previous, steering, &Params::default(), embedder)
}

/// A topic's name among its candidate phrases (best lexical score first): the best-scoring
/// phrase, or — with the model — a longer phrase that contains it and whose own embedding is
/// closer to the topic's centre ("mobile app" over "app", "gantt chart" over "chart"). Only
/// longer phrases that several members use are candidates.
fn pick_name(
    candidates: &[(f32, String)],
    centre: &[f32],
    offset: &[f32],
    embedder: Option<&Embedder>,
) -> Option<String> {
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
    let vectors: Vec<Vec<f32>> = vectors.iter().map(|v| crate::centring::apply(v, offset)).collect();
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

/// A clause of the derivation sample (or of a guide's example) that goes into clustering.
struct ClusterUnit<'a> {
    /// The sample response it is part of (`usize::MAX` for a guide's example).
    response: usize,
    text: &'a str,
    /// Its embedding with the survey's offset taken off (the `centring` module).
    vector: Vec<f32>,
    terms: Sparse,
}

/// A topic while it is being derived: its member units, and for a guide the units of its
/// examples, which stay members whatever the responses do.
struct Candidate {
    topic: Topic,
    members: Vec<usize>,
    pinned: Vec<usize>,
}

/// The full derivation, with explicit parameters (for tuning and tests).
pub fn derive_topics_with(
    samples: &[Sample],
    previous: Option<&TopicSet>,
    steering: &Steering,
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

    set.offset = crate::centring::offset(
        samples.iter().flat_map(|s| s.vectors.clauses()).map(|u| u.vector.as_slice()),
        p.centring,
    );
    let centred = |v: &[f32]| crate::centring::apply(v, &set.offset);
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
                units.push(ClusterUnit { response: i, text, vector: centred(&u.vector), terms });
            }
        }
    }
    let sample_units = units.len();

    // Guides: each example's whole text is a pinned member, and so is the guide's name when the
    // model can embed it (the owner's name for a topic is its shortest example).
    let names: Vec<&str> = steering.guides.iter().map(|g| g.name).collect();
    let name_vectors = embedder.filter(|_| !names.is_empty()).and_then(|e| e.embed(&names).ok());
    let mut candidates: Vec<Candidate> = Vec::new();
    for (g, guide) in steering.guides.iter().enumerate() {
        let first = units.len();
        for ex in &guide.examples {
            let Some(u) = ex.vectors.units.first() else { continue };
            let terms = set.idf.vector(ex.text);
            if u.generic < p.generic_max || !terms.is_empty() {
                units.push(ClusterUnit { response: usize::MAX, text: ex.text, vector: centred(&u.vector), terms });
            }
        }
        if let Some(v) = name_vectors.as_ref().map(|v| &v[g]) {
            units.push(ClusterUnit {
                response: usize::MAX,
                text: guide.name,
                vector: centred(v),
                // The name's terms count less than an example's: a name is mostly its topic's
                // common word ("order", "food") and one word answers rarely use ("accuracy").
                terms: set.idf.vector(guide.name).into_iter().map(|(t, w)| (t, w * p.guide_name_terms)).collect(),
            });
        }
        let pinned: Vec<usize> = (first..units.len()).collect();
        let topic = Topic {
            name: guide.name.to_owned(),
            centre: centre_of(&units, &pinned),
            terms: tfidf::centroid(pinned.iter().map(|&i| &units[i].terms), p.topic_terms),
            threshold: p.guide_threshold,
            mentions: 0,
            average_rating: None,
            guide: true,
        };
        candidates.push(Candidate { topic, members: pinned.clone(), pinned });
    }
    let guides = candidates.len();

    let min_responses = p.min_responses.max((p.min_share * samples.len() as f32).ceil() as usize);
    // What the guides already cover is theirs: discovery clusters the rest. It runs even when the
    // owner keeps only the guides: the refinement below needs the survey's other themes as
    // rivals, or a lone guide grows over every answer it is the least far from (lateness answers
    // joined an "Order mistakes" guide); they are dropped after it.
    let free: Vec<usize> = (0..sample_units)
        .filter(|&i| candidates.iter().all(|c| similarity(&units[i], &c.topic, p) < p.guide_cover))
        .collect();
    candidates.extend(discover(&units, &free, min_responses, p));
    merge_duplicates(&units, &mut candidates, guides, p);
    refine(&units, sample_units, &mut candidates, p);
    if !steering.discover {
        candidates.truncate(guides);
    }
    if candidates.is_empty() {
        return set;
    }

    // Assign the sample with the candidates, then keep the discovered topics that enough
    // responses get (guides stay whatever they get).
    set.topics = candidates.iter().map(|c| c.topic.clone()).collect();
    for (t, topic) in set.topics.iter_mut().enumerate() {
        topic.name = format!("#{t}");
    }
    let assigned: Vec<Vec<String>> = samples.iter().map(|s| set.assign(s.text, s.vectors)).collect();
    let mut kept: Vec<(usize, Candidate)> = Vec::new();
    for (t, c) in candidates.into_iter().enumerate() {
        let key = format!("#{t}");
        let mentions = assigned.iter().filter(|names| names.contains(&key)).count();
        if c.topic.guide || mentions >= min_responses {
            kept.push((mentions, c));
        }
    }
    // Guides first, in the owner's order; then discovered topics, most mentioned first.
    kept[guides..].sort_by_key(|(m, _)| std::cmp::Reverse(*m));
    kept.truncate(p.max_topics.max(guides));
    let mut kept: Vec<(Topic, Vec<usize>)> = kept.into_iter().map(|(_, c)| (c.topic, c.members)).collect();

    // Names of discovered topics: first the previous set's names for topics that are essentially
    // the same, then the best phrase of each remaining cluster; never a guide's name.
    let index = PhraseIndex::new(&samples.iter().map(|s| s.text).collect::<Vec<_>>());
    let mut taken: BTreeSet<String> = steering.guides.iter().map(|g| g.name.to_lowercase()).collect();
    if let Some(prev) = previous {
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        for (i, (t, _)) in kept.iter().enumerate().skip(guides) {
            for (j, old) in prev.topics.iter().enumerate() {
                let s = dot(&t.centre, &old.centre);
                if s >= p.rename_similarity && !old.guide && !steering.has_guide_named(&old.name) {
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
                taken.insert(kept[i].0.name.to_lowercase());
            }
        }
    }
    for (topic, m) in kept.iter_mut().skip(guides) {
        if !topic.name.is_empty() {
            continue;
        }
        let texts: Vec<&str> = m.iter().map(|&i| units[i].text).collect();
        let candidates = index.candidates(&texts, &taken, p.name_candidates.max(1));
        let name = pick_name(&candidates, &topic.centre, &set.offset, embedder)
            .filter(|n| !taken.contains(&n.to_lowercase()))
            .unwrap_or_else(|| format!("topic {}", taken.len() + 1));
        taken.insert(name.to_lowercase());
        topic.name = name;
    }

    // Mentions and ratings as the final set assigns them, so they agree with live assignment.
    set.topics = kept.into_iter().map(|(t, _)| t).collect();
    let mut ratings: Vec<Vec<Option<u8>>> = vec![Vec::new(); set.topics.len()];
    for s in samples {
        for name in set.assign(s.text, s.vectors) {
            if let Some(t) = set.topics.iter().position(|t| t.name == name) {
                ratings[t].push(s.rating);
            }
        }
    }
    for (topic, r) in set.topics.iter_mut().zip(ratings) {
        topic.mentions = r.len() as u32;
        let rated: Vec<f32> = r.into_iter().flatten().map(f32::from).collect();
        topic.average_rating = (!rated.is_empty()).then(|| rated.iter().sum::<f32>() / rated.len() as f32);
    }
    set
}

/// Similarity of a unit to a topic, as assignment measures it.
fn similarity(u: &ClusterUnit, topic: &Topic, p: &Params) -> f32 {
    p.model_weight * dot(&u.vector, &topic.centre) + (1.0 - p.model_weight) * tfidf::dot(&u.terms, &topic.terms)
}

/// Candidate topics among the `free` units: average-linkage clusters cut at the height that gives
/// the most topic-sized clusters, those that enough responses fall into.
fn discover(units: &[ClusterUnit], free: &[usize], min_responses: usize, p: &Params) -> Vec<Candidate> {
    let n = free.len();
    if n < 2 {
        return Vec::new();
    }
    let mut dist = vec![0.0f32; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let (a, b) = (&units[free[i]], &units[free[j]]);
            let s =
                p.model_weight * dot(&a.vector, &b.vector) + (1.0 - p.model_weight) * tfidf::dot(&a.terms, &b.terms);
            dist[i * n + j] = 1.0 - s;
            dist[j * n + i] = 1.0 - s;
        }
    }
    let merges = average_linkage(n, dist);
    let responses: Vec<usize> = free.iter().map(|&i| units[i].response).collect();
    let height = if p.cut_height > 0.0 { p.cut_height } else { choose_height(&responses, &merges, min_responses, p) };
    let labels = cut(n, &merges, height);

    let clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters];
    for (i, &l) in labels.iter().enumerate() {
        members[l].push(free[i]);
    }
    members
        .into_iter()
        .filter(|m| m.iter().map(|&i| units[i].response).collect::<BTreeSet<_>>().len() >= min_responses)
        .map(|m| Candidate { topic: topic_of(units, &m, p), members: m, pinned: Vec::new() })
        .collect()
}

/// A discovered topic with its centre and terms from some units, not named yet.
fn topic_of(units: &[ClusterUnit], members: &[usize], p: &Params) -> Topic {
    Topic {
        name: String::new(),
        centre: centre_of(units, members),
        terms: tfidf::centroid(members.iter().map(|&i| &units[i].terms), p.topic_terms),
        threshold: p.assign_threshold,
        mentions: 0,
        average_rating: None,
        guide: false,
    }
}

/// Discovered candidates that are one theme said two ways ("wifi" and "internet") would show it
/// as two topics with its mentions split: candidates whose centres are at least
/// `merge_similarity` close are merged (closest pair first), and one that close to a guide is
/// left to the guide.
fn merge_duplicates(units: &[ClusterUnit], candidates: &mut Vec<Candidate>, guides: usize, p: &Params) {
    let guide_centres: Vec<Vec<f32>> = candidates[..guides].iter().map(|c| c.topic.centre.clone()).collect();
    candidates.retain(|c| c.topic.guide || guide_centres.iter().all(|g| dot(g, &c.topic.centre) < p.merge_similarity));
    loop {
        let mut best: Option<(f32, usize, usize)> = None;
        for i in guides..candidates.len() {
            for j in (i + 1)..candidates.len() {
                let s = dot(&candidates[i].topic.centre, &candidates[j].topic.centre);
                if s >= p.merge_similarity && best.is_none_or(|b| s > b.0) {
                    best = Some((s, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else { return };
        let absorbed = candidates.remove(j);
        let c = &mut candidates[i];
        c.members.extend(absorbed.members);
        c.topic = topic_of(units, &c.members, p);
    }
}

/// Spherical k-means over the sample's clause units, started from the guides and the
/// dendrogram's clusters: each unit moves to the centre it is most similar to (or to none below
/// `refine_min`), and centres are recomputed, a few rounds. Average linkage fixes a unit's cluster
/// early; this lets the centres settle where their members are, and lets a guide grow from its
/// few examples to the responses that are clearly about it. A guide keeps its examples and is
/// never dropped; a discovered candidate left without units is.
///
/// A guide's grown members weigh by how clearly it is theirs (`guide_soft_margin`): a unit about
/// as near another candidate counts little, so a guide does not drift along what it shares with
/// its neighbours.
fn refine(units: &[ClusterUnit], sample_units: usize, candidates: &mut Vec<Candidate>, p: &Params) {
    for _ in 0..p.refine_rounds {
        let mut members: Vec<Vec<(usize, f32)>> =
            candidates.iter().map(|c| c.pinned.iter().map(|&i| (i, 1.0)).collect()).collect();
        for (i, u) in units.iter().enumerate().take(sample_units) {
            let sims: Vec<f32> = candidates.iter().map(|c| similarity(u, &c.topic, p)).collect();
            let Some((s, second, c)) = two_best(&sims) else { continue };
            if s < p.refine_min {
                continue;
            }
            let weight = if candidates[c].topic.guide && p.guide_soft_margin > 0.0 {
                ((s - second) / p.guide_soft_margin).min(1.0)
            } else {
                1.0
            };
            members[c].push((i, weight));
        }
        let mut next = Vec::new();
        for (mut c, m) in candidates.drain(..).zip(members) {
            if m.is_empty() && !c.topic.guide {
                continue;
            }
            if !m.is_empty() {
                c.topic.centre = weighted_centre(units, &m);
                let terms: Vec<Sparse> =
                    m.iter().map(|&(i, w)| units[i].terms.iter().map(|(t, x)| (t.clone(), x * w)).collect()).collect();
                c.topic.terms = tfidf::centroid(&terms, p.topic_terms);
            }
            c.members = m.into_iter().map(|(i, _)| i).collect();
            next.push(c);
        }
        *candidates = next;
    }
}

/// Normalised weighted mean embedding of some units (zero for none).
fn weighted_centre(units: &[ClusterUnit], members: &[(usize, f32)]) -> Vec<f32> {
    let mut centre = vec![0.0f32; crate::embed::DIMS];
    for &(i, w) in members {
        centre.iter_mut().zip(&units[i].vector).for_each(|(c, x)| *c += w * x);
    }
    let norm = centre.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    centre.iter_mut().for_each(|c| *c /= norm);
    centre
}

/// Normalised mean embedding of some units (zero for none).
fn centre_of(units: &[ClusterUnit], members: &[usize]) -> Vec<f32> {
    weighted_centre(units, &members.iter().map(|&i| (i, 1.0)).collect::<Vec<_>>())
}

/// The dendrogram height that yields the most clusters large enough to be topics (`responses[i]`
/// is the response of clustered unit i): lower cuts leave the survey in fragments too small to
/// count, higher ones fuse distinct aspects. Scanned over `auto_cut_range` in steps of 0.01; ties
/// go to the lower (finer) cut.
fn choose_height(responses: &[usize], merges: &[Merge], min_responses: usize, p: &Params) -> f32 {
    let (lo, hi) = p.auto_cut_range;
    let mut best = (0usize, lo);
    let mut h = lo;
    while h <= hi + 1e-6 {
        let labels = cut(responses.len(), merges, h);
        let k = labels.iter().copied().max().map_or(0, |m| m + 1);
        let mut sets: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
        for (i, &l) in labels.iter().enumerate() {
            sets[l].insert(responses[i]);
        }
        let valid = sets.iter().filter(|r| r.len() >= min_responses).count();
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
    use crate::guides::Guide;
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
            let again =
                derive_topics_with_previous(&samples(&texts, &vectors), Some(&previous), &Steering::default(), None);
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
    fn a_guide_hardly_drifts_along_answers_about_as_near_another_topic() {
        let axis = |a: usize| {
            let mut v = vec![0.0f32; DIMS];
            v[a] = 1.0;
            v
        };
        let between = {
            let mut v = vec![0.0f32; DIMS];
            (v[50], v[60]) = (0.71, 0.70);
            let n = (0.71f32 * 0.71 + 0.70 * 0.70).sqrt();
            v.iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        // Units 0–3: the guide's (axis 50); 4–9: as near the guide as another topic (axis 60);
        // 10–13: the other topic's; 14: the guide's example.
        let vectors: Vec<Vec<f32>> = (0..4)
            .map(|_| axis(50))
            .chain((0..6).map(|_| between.clone()))
            .chain((0..4).map(|_| axis(60)))
            .chain([axis(50)])
            .collect();
        let units: Vec<ClusterUnit> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| ClusterUnit { response: i, text: "", vector: v.clone(), terms: Sparse::new() })
            .collect();
        let refined = |soft: f32| {
            // One round: what a round does with such units (later rounds start from its centres).
            let p = Params { guide_soft_margin: soft, refine_rounds: 1, ..Params::default() };
            let mut guide = topic_of(&units, &[14], &p);
            guide.guide = true;
            let mut candidates = vec![
                Candidate { topic: guide, members: vec![14], pinned: vec![14] },
                Candidate {
                    topic: topic_of(&units, &[10, 11, 12, 13], &p),
                    members: vec![10, 11, 12, 13],
                    pinned: vec![],
                },
            ];
            refine(&units, 14, &mut candidates, &p);
            let members: Vec<Vec<usize>> = candidates.iter().map(|c| c.members.clone()).collect();
            (dot(&candidates[0].topic.centre, &axis(50)), members)
        };
        let ((hard, hard_members), (soft, soft_members)) = (refined(0.0), refined(0.02));
        assert_eq!(hard_members, soft_members, "the same members, weighed differently");
        assert_eq!(soft_members[0], vec![14, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(hard < 0.93, "counted in full, they pull the guide towards the other topic: {hard}");
        assert!(soft > 0.97, "weighed by their lead, they hardly move it: {soft}");
    }

    #[test]
    fn refinement_moves_units_to_their_nearest_centre_and_drops_strangers() {
        let vectors = [near(0, 1), near(0, 2), near(0, 3), near(0, 4), near(10, 5), near(10, 6), near(30, 7)];
        let units: Vec<ClusterUnit> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| ClusterUnit { response: i, text: "", vector: v.clone(), terms: Sparse::new() })
            .collect();
        // In a centre of six units, a stranger's own share keeps it at ~0.17: the bar sits above.
        let p = Params { refine_min: 0.2, ..Params::default() };
        let candidate = |members: &[usize]| Candidate {
            topic: topic_of(&units, members, &p),
            members: members.to_vec(),
            pinned: Vec::new(),
        };
        // The cut left unit 4 (near axis 10) and unit 6 (near neither axis) with the axis-0 units.
        let mut candidates = vec![candidate(&[0, 1, 2, 3, 4, 6]), candidate(&[5])];
        refine(&units, units.len(), &mut candidates, &p);
        let members: Vec<&[usize]> = candidates.iter().map(|c| c.members.as_slice()).collect();
        assert_eq!(members, vec![&[0, 1, 2, 3][..], &[4, 5][..]]);
        assert!(dot(&candidates[1].topic.centre, &near(10, 0)) > 0.9);
    }

    #[test]
    fn guides_keep_their_names_and_place_and_discovery_fills_the_rest() {
        let (texts, vectors) = survey();
        let samples = samples(&texts, &vectors);
        let unused = ResponseVectors::new(vec![Unit::new(0.1, near(200, 0))]);
        let guides = [
            Guide { name: "Courier Lateness", examples: vec![Sample { rating: None, ..samples[1] }] },
            Guide {
                name: "Nobody Says This",
                examples: vec![Sample { text: "gift wrap", rating: None, vectors: &unused }],
            },
        ];
        let steering = Steering { guides: &guides, discover: true };
        let set = derive_topics_with(&samples, None, &steering, &Params::default(), None);
        assert_eq!(set.names(), vec!["Courier Lateness", "Nobody Says This", "delivery fee"]);
        assert!(set.topics[0].guide && set.topics[1].guide && !set.topics[2].guide);
        assert_eq!((set.topics[0].mentions, set.topics[1].mentions), (8, 0));
        assert_eq!(set.assign(&texts[3], &vectors[3]), vec!["Courier Lateness"]);
        let only = Steering { guides: &guides, discover: false };
        let set = derive_topics_with(&samples, None, &only, &Params::default(), None);
        assert_eq!(set.names(), vec!["Courier Lateness", "Nobody Says This"]);
    }

    #[test]
    fn a_lone_guide_does_not_grow_over_a_theme_it_is_merely_the_least_far_from() {
        // Wrong items (axis 50) and lateness (axis 60, a little towards 50: cosine 0.25 to the
        // guide, under the bar, yet nearer it than to nothing). Uncentred, and no shared words,
        // so the similarity is 0.7 × the cosine.
        let p = Params { centring: 0.0, ..Params::default() };
        let lean = |seed: usize| {
            let mut v = near(60, seed);
            v.iter_mut().for_each(|x| *x *= 0.968);
            v[50] = 0.25;
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        let mut texts = Vec::new();
        let mut vectors = Vec::new();
        for i in 0..8 {
            texts.push(format!("wrong item {i} again"));
            vectors.push(ResponseVectors::new(vec![Unit::new(0.1, near(50, i))]));
        }
        for i in 0..12 {
            texts.push(format!("courier late by {i} minutes"));
            vectors.push(ResponseVectors::new(vec![Unit::new(0.1, lean(i))]));
        }
        let samples = samples(&texts, &vectors);
        let example = ResponseVectors::new(vec![Unit::new(0.1, near(50, 99))]);
        let guides = [Guide {
            name: "Order mistakes",
            examples: vec![Sample { text: "they sent a wrong item", rating: None, vectors: &example }],
        }];
        for discover in [true, false] {
            let set = derive_topics_with(&samples, None, &Steering { guides: &guides, discover }, &p, None);
            let got = |i: usize| set.assign(&texts[i], &vectors[i]).contains(&"Order mistakes".to_owned());
            assert!((0..8).all(got), "discover {discover}: the guide's own answers");
            assert!(!(8..20).any(got), "discover {discover}: lateness is not the guide's");
            assert_eq!(set.topics.len(), if discover { 2 } else { 1 }, "{:?}", set.names());
        }
    }

    #[test]
    fn an_answer_under_every_bar_gets_the_discovered_topic_it_is_clearly_nearest() {
        let (texts, vectors) = survey();
        let mut set = derive_topics(&samples(&texts, &vectors), None);
        // Mostly about something no topic covers (axis 300), a little about fees (axis 0).
        let mut v = vec![0.0f32; DIMS];
        (v[0], v[300]) = (0.4, 0.917);
        let faint = ResponseVectors::new(vec![Unit::new(0.1, v)]);
        let text = "so so, really";
        assert_eq!(set.assign(text, &faint), vec!["delivery fee"]);
        let without = TopicSet { fallback_floor: f32::MAX, ..set.clone() };
        assert!(without.assign(text, &faint).is_empty(), "under the bar itself");
        // Never a guide, and never the only topic.
        assert_eq!(set.topics[0].name, "delivery fee");
        set.topics[0].guide = true;
        assert!(set.assign(text, &faint).is_empty(), "a guide keeps its own bar");
        set.topics[0].guide = false;
        set.topics.retain(|t| t.name == "delivery fee");
        assert!(set.assign(text, &faint).is_empty(), "one topic: nothing to be nearer than");
    }

    #[test]
    fn too_few_responses_give_no_topics() {
        let (texts, vectors) = survey();
        let set = derive_topics(&samples(&texts[..2], &vectors[..2]), None);
        assert!(set.topics.is_empty());
        assert!(TopicSet::empty().assign(&texts[0], &vectors[0]).is_empty());
    }
}
