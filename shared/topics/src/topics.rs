//! A survey's topic set and assignment: a response gets every topic that its whole text or one
//! of its clauses is close to.

use serde::{Deserialize, Serialize};

use crate::embed::dot;
use crate::params::Params;
use crate::text::split_clauses;
use crate::tfidf::{self, Idf, Sparse};
use crate::vectors::ResponseVectors;

/// Format version of a stored [`TopicSet`]: a set of another version is re-derived, not read.
pub const TOPIC_SET_FORMAT: u32 = 4;

/// One response as topic discovery sees it.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub text: &'a str,
    /// The response's rating (1–5), if it has one: only used for each topic's summary.
    pub rating: Option<u8>,
    pub vectors: &'a ResponseVectors,
}

/// One topic: an owner's guide or discovered.
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
    /// An owner-defined topic ([`crate::Guide`]): kept under its name whatever it gets.
    #[serde(default)]
    pub guide: bool,
}

/// A survey's topics: the guides first (in the owner's order), then the discovered topics by
/// mentions (most first). Serialisable: about 2 KB a topic plus the
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
    /// Taken off every vector before it is compared (the derivation sample's share of mean
    /// embedding, the `centring` module); empty: none.
    #[serde(with = "crate::serde_f16")]
    pub offset: Vec<f32>,
    /// A unit votes only for guides within this similarity of its nearest guide.
    pub assign_margin: f32,
    /// A clause votes for a guide only when the whole text is at least the guide's threshold
    /// less this similar to it (and puts it within `assign_margin` of its nearest guide).
    pub guide_whole_slack: f32,
    /// A response that reaches no topic gets its nearest one when that is at least this similar
    /// and this much nearer than the next.
    pub fallback_floor: f32,
    pub fallback_margin: f32,
    /// Most topics one response gets.
    pub max_per_response: usize,
    /// Responses the set was derived from.
    pub responses: u32,
}

/// The highest similarity, the next highest (0 when there is one topic) and the highest's index.
pub(crate) fn two_best(sims: &[f32]) -> Option<(f32, f32, usize)> {
    let (t, best) = sims.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let second = sims.iter().enumerate().filter(|(i, _)| *i != t).map(|(_, s)| *s).fold(f32::MIN, f32::max);
    Some((best, if second == f32::MIN { 0.0 } else { second }, t))
}

impl TopicSet {
    /// The set's settings and term statistics, no topics yet.
    pub(crate) fn new(idf: Idf, responses: u32, p: &Params) -> TopicSet {
        TopicSet {
            format: TOPIC_SET_FORMAT,
            topics: Vec::new(),
            idf,
            generic_max: p.generic_max,
            model_weight: p.model_weight,
            offset: Vec::new(),
            assign_margin: p.assign_margin,
            guide_whole_slack: p.guide_whole_slack,
            fallback_floor: p.fallback_floor,
            fallback_margin: p.fallback_margin,
            max_per_response: p.max_per_response,
            responses,
        }
    }

    /// A set with no topics (a survey without responses yet): assigns nothing.
    pub fn empty() -> TopicSet {
        TopicSet::new(Idf::default(), 0, &Params::default())
    }

    /// The names of the topics one response talks about (possibly none), most similar first.
    /// Deterministic and independent of other responses: a clause (or the whole text, when no
    /// clause gets one) gets a topic when its similarity to the topic's centre reaches the
    /// topic's threshold (a guide: and is within `assign_margin` of the nearest guide).
    pub fn assign(&self, text: &str, vectors: &ResponseVectors) -> Vec<String> {
        let mut score = vec![f32::MIN; self.topics.len()];
        let mut sims = vec![0.0f32; self.topics.len()];
        // Clauses vote first; the whole text only when none of its clauses got a topic. A clause
        // is about one thing, the whole text of a two-theme answer is about neither: it would
        // reach topics near the middle of the survey (fixtures' discovered macro F1 0.677 / 0.711
        // → 0.679 / 0.702, rating error 0.14 / 0.16 → 0.14 / 0.15; taught 3: 0.758 / 0.783 →
        // 0.765 / 0.783).
        let mut units = self.units(text, vectors);
        let with_clauses = units.len() > 1;
        // The whole text's similarities (it is the first unit) and its nearest guide's, for the
        // guides' bar below.
        let whole: Vec<f32> = match units.first() {
            Some((v, terms)) if with_clauses => self.topics.iter().map(|t| self.similarity(v, terms, t)).collect(),
            _ => Vec::new(),
        };
        let whole_best_guide =
            whole.iter().zip(&self.topics).filter(|(_, t)| t.guide).map(|(s, _)| *s).fold(f32::MIN, f32::max);
        if with_clauses {
            units.rotate_left(1);
        }
        let last = units.len().saturating_sub(1);
        // The last unit's best and second-best topic (the whole text's, unless it is generic),
        // for the fallback below.
        let mut nearest: Option<(f32, f32, usize)> = None;
        for (k, (v, terms)) in units.into_iter().enumerate() {
            if with_clauses && k == last && score.iter().any(|&x| x > f32::MIN) {
                continue;
            }
            for (s, topic) in sims.iter_mut().zip(&self.topics) {
                *s = self.similarity(&v, &terms, topic);
            }
            if k == last {
                nearest = two_best(&sims);
            }
            // Guides compete with guides: a unit votes only for the guides within `assign_margin`
            // of its nearest guide, so an answer about one of the owner's topics gets that one.
            // Discovered topics get every unit that reaches them: discovery splits a theme into
            // narrower topics than its readers' (delivery time: "hour", "quick delivery"), and a
            // margin among them would split the theme's answers (fixtures' macro F1 0.694 → 0.632).
            let best_guide =
                sims.iter().zip(&self.topics).filter(|(_, t)| t.guide).map(|(s, _)| *s).fold(f32::MIN, f32::max);
            // A guide is taught with whole answers: a clause votes for one only when its whole
            // answer is near the guide too (nearly at its bar, and within `assign_margin` of the
            // whole answer's nearest guide), so a clause that merely shares the guide's common
            // word ("why do I have to save my card to order?" in a complaint about payment, for
            // "order accuracy") does not carry it alone.
            let clause = with_clauses && k != last;
            for (t, (&s, topic)) in sims.iter().zip(&self.topics).enumerate() {
                let near_enough = !topic.guide || s >= best_guide - self.assign_margin;
                let whole_agrees = !(topic.guide && clause)
                    || (whole[t] >= topic.threshold - self.guide_whole_slack
                        && whole[t] >= whole_best_guide - self.assign_margin);
                if s >= topic.threshold && near_enough && whole_agrees {
                    score[t] = score[t].max(s - topic.threshold);
                }
            }
        }
        // A response that reaches no topic still gets the one it is clearly nearest to. A young
        // survey's topics are few answers wide, and an answer about one of them in other words
        // ("the driver was late again" among delivery times) can stay under the threshold, while
        // it is far nearer that topic than any other. Mature surveys hardly have such answers
        // (no change in the fixtures' scores or the small surveys'). Only a discovered topic, and
        // only beside another topic: a guide keeps its own bar, and with one topic nothing says
        // that it is the nearer one.
        if score.iter().all(|&x| x == f32::MIN) && self.topics.len() > 1 {
            if let Some((best, second, t)) = nearest.filter(|n| !self.topics[n.2].guide) {
                if best >= self.fallback_floor && best - second >= self.fallback_margin {
                    score[t] = 0.0;
                }
            }
        }
        let mut hits: Vec<(f32, usize)> =
            score.into_iter().enumerate().filter(|(_, s)| *s > f32::MIN).map(|(t, s)| (s, t)).collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(self.max_per_response);
        hits.into_iter().map(|(_, t)| self.topics[t].name.clone()).collect()
    }

    /// Each non-generic unit's similarity to each topic (the whole text first, then its clauses):
    /// what [`TopicSet::assign`] decides from, for `topics-eval`'s diagnostics.
    pub fn unit_similarities(&self, text: &str, vectors: &ResponseVectors) -> Vec<Vec<f32>> {
        let units = self.units(text, vectors);
        units.iter().map(|(v, terms)| self.topics.iter().map(|t| self.similarity(v, terms, t)).collect()).collect()
    }

    /// The response's non-generic units with their TF-IDF vectors. Clause texts are recomputed
    /// from the text; if they do not line up with the stored vectors (vectors from another
    /// clause splitter), only the whole text is used.
    fn units(&self, text: &str, vectors: &ResponseVectors) -> Vec<(Vec<f32>, Sparse)> {
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
            .map(|(t, u)| (crate::centring::apply(&u.vector, &self.offset), self.idf.vector(t)))
            .collect()
    }

    pub(crate) fn similarity(&self, v: &[f32], terms: &Sparse, topic: &Topic) -> f32 {
        self.model_weight * dot(v, &topic.centre) + (1.0 - self.model_weight) * tfidf::dot(terms, &topic.terms)
    }

    pub fn names(&self) -> Vec<&str> {
        self.topics.iter().map(|t| t.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::DIMS;
    use crate::params::Params;
    use crate::vectors::Unit;

    /// A unit vector with weight `a` on axis 0 and `b` on axis 10.
    fn mix(a: f32, b: f32) -> Vec<f32> {
        let n = (a * a + b * b).sqrt();
        let mut v = vec![0.0f32; DIMS];
        (v[0], v[10]) = (a / n, b / n);
        v
    }

    /// Two guides on axes 0 and 10, no terms and no offset: a similarity is 0.7 × the cosine.
    fn guides() -> TopicSet {
        let guide = |name: &str, centre: Vec<f32>| Topic {
            name: name.to_owned(),
            centre,
            terms: Vec::new(),
            threshold: 0.25,
            mentions: 0,
            average_rating: None,
            guide: true,
        };
        let mut set = TopicSet::new(Idf::default(), 0, &Params::default());
        set.topics = vec![guide("lateness", mix(1.0, 0.0)), guide("cold food", mix(0.0, 1.0))];
        set
    }

    /// "the parcel came late" / "and the soup was cold" with the whole text's vector given.
    fn answer(whole: Vec<f32>) -> ResponseVectors {
        ResponseVectors::new(vec![Unit::new(0.1, whole), Unit::new(0.1, mix(1.0, 0.0)), Unit::new(0.1, mix(0.0, 1.0))])
    }

    const TEXT: &str = "the parcel came late and the soup was cold";

    #[test]
    fn a_clause_carries_a_guide_only_when_its_whole_answer_is_near_the_guide_too() {
        assert_eq!(split_clauses(TEXT).len(), 2, "two clauses, as the vectors say");
        let set = guides();
        // An answer about both: each clause gives its guide.
        assert_eq!(set.assign(TEXT, &answer(mix(1.0, 1.0))), vec!["lateness", "cold food"]);
        // An answer about cold food that mentions lateness in passing: its whole text is far
        // from "lateness" (0.7 × 0.2: under the bar less the slack, and not within the margin of
        // its nearest guide), so the first clause alone does not give it.
        let passing = answer(mix(0.2, 0.98));
        assert_eq!(set.assign(TEXT, &passing), vec!["cold food"]);
        let lax = TopicSet { guide_whole_slack: 1.0, assign_margin: 1.0, ..guides() };
        assert_eq!(lax.assign(TEXT, &passing), vec!["lateness", "cold food"], "the rule is what keeps it out");
    }
}
