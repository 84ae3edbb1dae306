//! Topic names: the phrase (1–3 content words in a row) that is frequent inside a cluster and rare
//! outside it — a class-based TF-IDF over phrases, shown in the form customers wrote most often.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::text::{is_content, stem, words};

/// Candidate phrases of a text: runs of 1–3 consecutive content words (a function word or
/// punctuation ends a run), keyed by their stemmed form, with the surface form as written.
pub fn phrases(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Split on punctuation first so phrases never straddle a clause boundary.
    for segment in text.split(['.', ',', '!', '?', ';', ':', '(', ')', '"', '/', '+']) {
        let ws = words(segment);
        let mut run: Vec<&str> = Vec::new();
        let mut runs: Vec<Vec<&str>> = Vec::new();
        for w in &ws {
            if is_content(w) && !w.contains('\'') {
                run.push(w);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for run in runs {
            for len in 1..=3 {
                for win in run.windows(len) {
                    // Counts name nothing: "twice", "two hours", "first time".
                    if win.iter().any(|w| is_number_word(w)) {
                        continue;
                    }
                    let key = win.iter().map(|w| stem(w)).collect::<Vec<_>>().join(" ");
                    out.push((key, win.join(" ")));
                }
            }
        }
    }
    out
}

/// Words that only count or order things.
fn is_number_word(w: &str) -> bool {
    const NUMBERS: [&str; 21] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "thirty", "forty",
        "fifty", "hundred", "first", "second", "third", "once", "twice", "half",
    ];
    w.chars().any(|c| c.is_ascii_digit()) || NUMBERS.contains(&w.to_lowercase().as_str())
}

/// Phrase statistics over a survey: in how many responses each phrase occurs, and its surface
/// forms.
#[derive(Default)]
pub struct PhraseIndex {
    /// Stemmed phrase → responses containing it.
    df: HashMap<String, usize>,
    /// Stemmed phrase → surface form → count (the most frequent form names the topic).
    forms: HashMap<String, BTreeMap<String, usize>>,
}

impl PhraseIndex {
    /// `docs[i]` is the text of response i (the index counts per response).
    pub fn new(docs: &[&str]) -> PhraseIndex {
        let mut index = PhraseIndex::default();
        for text in docs {
            let mut seen = BTreeSet::new();
            for (key, form) in phrases(text) {
                *index.forms.entry(key.clone()).or_default().entry(form).or_default() += 1;
                seen.insert(key);
            }
            for key in seen {
                *index.df.entry(key).or_default() += 1;
            }
        }
        index
    }

    /// The `k` best names for a cluster whose member texts are `members` (one string per member
    /// response: the parts of it that belong to the cluster), best first, with their scores;
    /// `taken` names are skipped.
    ///
    /// Score of a phrase = coverage (share of members using it) × specificity (share of the
    /// survey's uses that fall in this cluster) × a bonus per extra word, since "delivery fee"
    /// says more than "fee" when both are about as frequent. A phrase only one member uses scores
    /// below zero.
    pub fn candidates(&self, members: &[&str], taken: &BTreeSet<String>, k: usize) -> Vec<(f32, String)> {
        let mut in_cluster: HashMap<String, usize> = HashMap::new();
        for text in members {
            let keys: BTreeSet<String> = phrases(text).into_iter().map(|(k, _)| k).collect();
            for k in keys {
                *in_cluster.entry(k).or_default() += 1;
            }
        }
        let size = members.len().max(1) as f32;
        // A phrase only one member uses is a last resort (after every shared phrase).
        let mut scored: Vec<(f32, String)> = in_cluster
            .into_iter()
            .map(|(key, c)| {
                let df = self.df.get(&key).copied().unwrap_or(c).max(c) as f32;
                let coverage = c as f32 / size;
                let specificity = c as f32 / df;
                let extra_words = key.matches(' ').count() as f32;
                // Names are things ("delivery fee", "search"), not actions or manners: a phrase
                // ending in a past participle or an adverb ("charged", "quickly") ranks lower.
                let last = key.rsplit(' ').next().unwrap_or(&key);
                let form = if last.ends_with("ed") || last.ends_with("ly") { 0.5 } else { 1.0 };
                let score = coverage * specificity.powf(0.5) * (1.0 + 0.5 * extra_words) * form;
                (if c >= 2 || members.len() < 2 { score } else { score - 1.0 }, key)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut seen = BTreeSet::new();
        scored
            .into_iter()
            .map(|(score, key)| (score, self.surface(&key)))
            .filter(|(_, name)| !taken.contains(name) && seen.insert(name.clone()))
            .take(k)
            .collect()
    }

    /// The most frequent surface form of a stemmed phrase (ties: alphabetical).
    fn surface(&self, key: &str) -> String {
        self.forms
            .get(key)
            .and_then(|forms| forms.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))))
            .map(|(form, _)| form.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_runs_of_content_words() {
        let keys: Vec<String> =
            phrases("The delivery fees are too high, honestly.").into_iter().map(|(_, f)| f).collect();
        assert_eq!(keys, vec!["delivery", "fees", "delivery fees", "high"]);
        let counted: Vec<String> = phrases("Charged twice, waited two hours").into_iter().map(|(_, f)| f).collect();
        assert_eq!(counted, vec!["charged", "waited", "hours"]);
    }

    #[test]
    fn names_by_frequent_and_specific_phrase() {
        let docs = [
            "the delivery fee is steep",
            "another delivery fee on top",
            "delivery fee again",
            "delivery was late",
            "late delivery again",
            "the app crashes",
        ];
        let index = PhraseIndex::new(&docs);
        let members = &docs[..3];
        let best = |taken: &BTreeSet<String>| index.candidates(members, taken, 1).pop().map(|(_, name)| name);
        assert_eq!(best(&BTreeSet::new()).as_deref(), Some("delivery fee"));
        let taken = BTreeSet::from(["delivery fee".to_string()]);
        assert_ne!(best(&taken).as_deref(), Some("delivery fee"));
        let three = index.candidates(members, &BTreeSet::new(), 3);
        assert_eq!(three.len(), 3);
        assert!(three.windows(2).all(|w| w[0].0 >= w[1].0), "best first: {three:?}");
    }
}
