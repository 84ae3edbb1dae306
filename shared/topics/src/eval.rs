//! Scoring topics against hand-labelled surveys, exactly as `../shared/tools/score-topics` does:
//! per gold topic (with at least 5 responses) the best F1 over the top 20 system topics, macro F1
//! over the gold topics, noise = top-10 system topics that match no gold topic at F1 ≥ 0.3, and the
//! rating error of gold topics matched at F1 ≥ 0.5. Used by `topics-eval` (tuning) and by the
//! quality test that keeps the method above the bar in CI.
//!
//! Teach mode mirrors `score-topics --teach N`: each gold topic becomes a guide named after it,
//! taught by its first N labelled responses; those are not submitted, so they are neither the
//! survey's responses nor scored.
//!
//! A fixture file is JSON lines: a header `{"survey", "topics": [...]}`, then one
//! `{"id", "rating", "text", "topics": [...]}` per response.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::{derive_topics_with, Embedder, Guide, Params, ResponseVectors, Sample, Steering, TopicSet};

/// System topics the scorer reads, as `/topics` serves them by default.
pub const TOPICS_LIMIT: usize = 20;
/// System topics checked for noise: the ones a reader sees first.
pub const NOISE_TOP: usize = 10;
const NOISE_F1: f64 = 0.3;
const MATCH_F1: f64 = 0.5;
const MIN_MENTIONS: usize = 5;

/// One labelled response.
#[derive(Clone)]
pub struct Row {
    pub id: String,
    pub rating: u8,
    pub text: String,
    /// The gold topics, lower case.
    pub topics: Vec<String>,
}

/// One labelled survey.
pub struct Fixture {
    pub name: String,
    /// Its gold topics, lower case.
    pub vocab: Vec<String>,
    pub rows: Vec<Row>,
}

/// What [`score`] prints: the table of gold topics and their best matches, and each gold
/// topic's missed and wrongly matched responses.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    pub table: bool,
    pub errors: bool,
}

/// One survey's score.
pub struct Score {
    /// The best F1 of each gold topic.
    pub f1s: Vec<f64>,
    /// The rating error of each gold topic matched at F1 ≥ 0.5.
    pub errs: Vec<f64>,
    /// System topics in the top 10 that match no gold topic.
    pub noise: usize,
}

impl Score {
    /// The mean of the gold topics' best F1.
    pub fn macro_f1(&self) -> f64 {
        mean(&self.f1s)
    }

    /// The mean rating error of the matched gold topics (`None`: none matched).
    pub fn rating_error(&self) -> Option<f64> {
        mean_opt(&self.errs)
    }
}

/// The scorer's metric over one survey: `assigned[i]` are the system topics of response i;
/// `report` says what to print along the way (nothing by default).
pub fn score(fx: &Fixture, assigned: &[Vec<String>], report: Report) -> Score {
    let verbose = report.table;
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    // System topics as /topics would serve them: by mentions (desc), then name, top 20.
    let mut members: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, names) in assigned.iter().enumerate() {
        for n in names {
            members.entry(norm(n)).or_default().insert(i);
        }
    }
    let mut system: Vec<(String, BTreeSet<usize>)> = members.into_iter().collect();
    system.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    system.truncate(TOPICS_LIMIT);
    let avg = |set: &BTreeSet<usize>| set.iter().map(|&i| fx.rows[i].rating as f64).sum::<f64>() / set.len() as f64;
    let gold: Vec<(String, BTreeSet<usize>)> = fx
        .vocab
        .iter()
        .map(|g| (g.clone(), (0..fx.rows.len()).filter(|&i| fx.rows[i].topics.contains(&norm(g))).collect()))
        .collect();
    let f1 = |g: &BTreeSet<usize>, s: &BTreeSet<usize>| {
        let total = g.len() + s.len();
        if total == 0 {
            0.0
        } else {
            2.0 * g.intersection(s).count() as f64 / total as f64
        }
    };

    let mut out = Score { f1s: Vec::new(), errs: Vec::new(), noise: 0 };
    if verbose {
        println!(
            "\n== {} ==\n{:<22} {:>3} {:>5}  {:<28} {:>5} {:>5} {:>5}",
            fx.name, "gold", "n", "avg", "best", "F1", "avg", "err"
        );
    }
    for (g, gs) in &gold {
        if gs.len() < MIN_MENTIONS {
            continue;
        }
        let best = system.iter().map(|(name, s)| (f1(gs, s), name, s)).fold(None, |b: Option<(f64, &String, _)>, x| {
            if b.as_ref().is_none_or(|b| x.0 > b.0) {
                Some(x)
            } else {
                b
            }
        });
        let (bf1, bname, bavg) = match best {
            Some((v, name, s)) if v > 0.0 => (v, name.as_str(), Some(avg(s))),
            _ => (0.0, "-", None),
        };
        let err = (bf1 >= MATCH_F1).then(|| (bavg.unwrap() - avg(gs)).abs());
        if verbose {
            println!(
                "{:<22} {:>3} {:>5.2}  {:<28} {:>5.2} {:>5} {:>5}",
                g,
                gs.len(),
                avg(gs),
                bname,
                bf1,
                fmt_opt(bavg),
                fmt_opt(err)
            );
        }
        if report.errors {
            if let Some((_, _, s)) = best {
                for &i in gs.difference(s) {
                    println!("      FN {:?} {}", assigned[i], fx.rows[i].text);
                }
                for &i in s.difference(gs) {
                    println!("      FP {:?} {}", fx.rows[i].topics, fx.rows[i].text);
                }
            }
        }
        out.f1s.push(bf1);
        out.errs.extend(err);
    }
    if verbose {
        println!("-- top {NOISE_TOP} --");
    }
    for (name, s) in system.iter().take(NOISE_TOP) {
        let (mf1, mg) =
            gold.iter()
                .map(|(g, gs)| (f1(gs, s), g.as_str()))
                .fold((0.0, "(none)"), |b, x| if x.0 > b.0 { x } else { b });
        if mf1 < NOISE_F1 {
            out.noise += 1;
        }
        if verbose {
            println!(
                "{:<28} {:>3} {:>5.2}  {:<22} {:.2}{}",
                name,
                s.len(),
                avg(s),
                mg,
                mf1,
                if mf1 < NOISE_F1 { "  noise" } else { "" }
            );
        }
    }
    if verbose {
        for (name, s) in system.iter().skip(NOISE_TOP) {
            println!("  (rest) {:<28} {:>3}", name, s.len());
        }
    }
    out
}

/// Reads a fixture file (panics with the path on a malformed file: it is test data).
pub fn load(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: serde_json::Value = serde_json::from_str(lines.next().expect("header line")).expect("header JSON");
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(|s| s.to_lowercase())).collect())
            .unwrap_or_default()
    };
    let rows = lines
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("row JSON");
            Row {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                rating: v["rating"].as_u64().unwrap_or(0) as u8,
                text: v["text"].as_str().unwrap_or_default().to_string(),
                topics: strings(&v["topics"]),
            }
        })
        .collect();
    Fixture { name: header["survey"].as_str().unwrap_or("?").to_string(), vocab: strings(&header["topics"]), rows }
}

/// The labelled fixtures handed to the project: `../shared/fixtures/topics/*.jsonl` beside the
/// repository, sorted.
pub fn fixture_files() -> Vec<PathBuf> {
    jsonl_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/topics"))
}

/// The `.jsonl` files of a folder, sorted.
fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    found.sort();
    found
}

/// `score-topics --teach n`'s split: each gold topic (header order) takes as examples the first
/// `n` rows (file order) labelled with it that no earlier topic took and whose text is not blank.
/// Returns each gold topic's example rows and the rows left, in file order.
pub fn teach_split(fx: &Fixture, n: usize) -> (Vec<(String, Vec<usize>)>, Vec<usize>) {
    let mut used = BTreeSet::new();
    let mut examples = Vec::new();
    for topic in &fx.vocab {
        let mut rows = Vec::new();
        for (i, r) in fx.rows.iter().enumerate() {
            if rows.len() >= n {
                break;
            }
            if r.topics.contains(topic) && !used.contains(&i) && !r.text.trim().is_empty() {
                rows.push(i);
                used.insert(i);
            }
        }
        examples.push((topic.clone(), rows));
    }
    (examples, (0..fx.rows.len()).filter(|i| !used.contains(i)).collect())
}

/// One derivation over a labelled survey: the responses that were submitted (as a fixture, to
/// score), the topic set and each of those responses' topics.
pub struct Outcome {
    pub scored: Fixture,
    pub set: TopicSet,
    pub assigned: Vec<Vec<String>>,
}

/// Derives a survey's topics from its responses (`vectors[i]` of `fixture.rows[i]`) and assigns
/// every response, as the topics function does. With `teach` > 0, as `score-topics --teach`:
/// each gold topic with examples is a guide (its name, its first `teach` responses), and only
/// the other responses are submitted.
pub fn derive_and_assign(
    fixture: &Fixture,
    vectors: &[ResponseVectors],
    teach: usize,
    params: &Params,
    embedder: Option<&Embedder>,
) -> Outcome {
    let sample =
        |i: usize| Sample { text: &fixture.rows[i].text, rating: Some(fixture.rows[i].rating), vectors: &vectors[i] };
    let (examples, rows) =
        if teach > 0 { teach_split(fixture, teach) } else { (Vec::new(), (0..fixture.rows.len()).collect()) };
    let guides: Vec<Guide> = examples
        .iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(name, rows)| Guide {
            name,
            examples: rows.iter().map(|&i| Sample { rating: None, ..sample(i) }).collect(),
        })
        .collect();
    let samples: Vec<Sample> = rows.iter().map(|&i| sample(i)).collect();
    let steering = Steering { guides: &guides, discover: true };
    let set = derive_topics_with(&samples, None, &steering, params, embedder);
    let assigned = samples.iter().map(|s| set.assign(s.text, s.vectors)).collect();
    let scored = Fixture {
        name: fixture.name.clone(),
        vocab: fixture.vocab.clone(),
        rows: rows.iter().map(|&i| fixture.rows[i].clone()).collect(),
    };
    Outcome { scored, set, assigned }
}

/// The mean (0 for none).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The mean, `None` for none.
pub fn mean_opt(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| mean(v))
}

/// Two decimals, or "-".
pub fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.2}"))
}

/// How one theme of a small clean survey fares with its topic (the derived topic that best
/// matches it: most of the theme's answers minus most of the others).
#[derive(Debug, Clone)]
pub struct ThemeScore {
    pub theme: String,
    pub topic: String,
    /// Share of the theme's answers that get the topic.
    pub recall: f64,
    /// Share of the other answers that get it.
    pub others: f64,
    /// The topic's average rating minus the theme's true mean (absolute; infinite if unrated).
    pub rating_error: f64,
}

impl ThemeScore {
    /// The small surveys' bar: ≥ 90% of the theme, ≤ 10% of the rest, rating within 0.3.
    pub fn passes(&self) -> bool {
        self.recall >= 0.9 && self.others <= 0.1 && self.rating_error <= 0.3
    }
}

/// Each gold theme's [`ThemeScore`] with a derived set and each response's topics.
pub fn theme_scores(fx: &Fixture, set: &TopicSet, assigned: &[Vec<String>]) -> Vec<ThemeScore> {
    fx.vocab
        .iter()
        .filter_map(|theme| {
            let about: Vec<bool> = fx.rows.iter().map(|r| r.topics.contains(theme)).collect();
            let n = about.iter().filter(|&&a| a).count() as f64;
            let mean = fx.rows.iter().zip(&about).filter(|(_, &a)| a).map(|(r, _)| r.rating as f64).sum::<f64>() / n;
            let rates = |topic: &str| {
                let hits = |want: bool| {
                    assigned.iter().zip(&about).filter(|(a, &t)| t == want && a.iter().any(|x| x == topic)).count()
                        as f64
                };
                (hits(true) / n, hits(false) / (about.len() as f64 - n).max(1.0))
            };
            let gain = |t: &str| {
                let (r, o) = rates(t);
                r - o
            };
            let best = set.topics.iter().max_by(|a, b| gain(&a.name).total_cmp(&gain(&b.name)))?;
            let (recall, others) = rates(&best.name);
            let rating_error = best.average_rating.map_or(f64::INFINITY, |a| (a as f64 - mean).abs());
            Some(ThemeScore { theme: theme.clone(), topic: best.name.clone(), recall, others, rating_error })
        })
        .collect()
}

/// The small clean surveys written for the precision tests (tests/surveys/*.jsonl), sorted.
pub fn small_survey_files() -> Vec<PathBuf> {
    jsonl_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/surveys"))
}
