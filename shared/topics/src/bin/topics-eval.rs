//! Offline evaluation of topic discovery on labelled surveys (../shared/fixtures/topics/*.jsonl):
//! per file, derive the topics from the file's responses, assign every response, and score exactly
//! as ../shared/tools/score-topics does (best F1 per gold topic over the top 20 system topics,
//! macro F1, noise in the top 10, rating error for gold topics matched at F1 ≥ 0.5).
//!
//! ```sh
//! cargo run -p hearken-topics --release --bin topics-eval -- [-v] [--teach N | --curve | --themes] [FILE.jsonl ...]
//! ```
//!
//! `--teach N` scores guided topics as `score-topics --teach N` does (each gold topic taught by its
//! first N responses, which are then neither submitted nor scored); `--curve` prints N = 1, 3, 5, 10.
//! `--themes` scores the small clean surveys (tests/surveys/*.jsonl by default) by the bar of
//! tests/small_surveys.rs instead: each theme's best topic, its recall and its share of the other
//! answers (`HT_ERRORS=1` lists a failing theme's misses and leaks, each with its units'
//! similarity to every topic; `HT_CENTRES=1` the topics' close centres; `HT_SIMS=1` how similar
//! each theme's answers are to each topic).
//!
//! Embeddings are cached in .cache/topics-eval/ (keyed by the texts), so re-runs only cluster.
//! Parameters can be overridden for tuning with `HT_<FIELD>` environment variables, e.g.
//! `HT_CUT_HEIGHT=0.6` (see `Params`); `HT_ERRORS=1` (with -v) lists each gold topic's misses
//! and false hits; `HT_GOLD=<gold topic>` lists its responses and those given a topic of that
//! name, each unit with its four most similar topics; `HT_SCALE=k` also times a derivation over
//! the responses repeated k times.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use hearken_topics::eval::{self, fmt_opt, mean, mean_opt, Fixture, NOISE_TOP};
use hearken_topics::{
    default_model_dir, derive_topics_with, Embedder, Guide, Params, ResponseVectors, Sample, Steering,
};

fn main() {
    let mut verbose = false;
    let mut teach = vec![0];
    let mut themes = false;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-v" | "--verbose" => verbose = true,
            "--teach" => teach = vec![args.next().and_then(|n| n.parse().ok()).expect("--teach N")],
            "--curve" => teach = vec![1, 3, 5, 10],
            "--themes" => themes = true,
            "-h" | "--help" => {
                println!(
                    "usage: topics-eval [-v] [--teach N | --curve | --themes] [FILE.jsonl ...]  \
                     (default: ../shared/fixtures/topics/*.jsonl, with --themes tests/surveys/*.jsonl)"
                );
                return;
            }
            _ => files.push(arg.into()),
        }
    }
    if files.is_empty() {
        files = if themes { eval::small_survey_files() } else { eval::fixture_files() };
    }
    let params = params_from_env();
    if verbose {
        eprintln!("{params:?}");
    }

    // Always loaded: it names the topics too (the vectors may come from the cache).
    let started = Instant::now();
    let embedder = Embedder::load(&default_model_dir()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("model loaded in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    let mut surveys = Vec::new();
    for path in &files {
        let mut fixture = eval::load(path);
        if let Some(first) = std::env::var("HT_FIRST").ok().and_then(|v| v.parse::<usize>().ok()) {
            fixture.rows.truncate(first);
        }
        let vectors = vectors_for(&fixture, &embedder);
        if let Some(k) = std::env::var("HT_SCALE").ok().and_then(|v| v.parse::<usize>().ok()) {
            time_scaled(&fixture, &vectors, k, teach[0], &params, &embedder);
        }
        surveys.push((fixture, vectors));
    }
    if themes {
        print_themes(&surveys, &params, &embedder);
        return;
    }
    for &n in &teach {
        let label = if n > 0 { format!("topics taught {n}") } else { "topics".to_string() };
        let mut pooled_f1 = Vec::new();
        let mut pooled_err = Vec::new();
        let mut pooled_noise = Vec::new();
        for (fixture, vectors) in &surveys {
            let started = Instant::now();
            let out = eval::derive_and_assign(fixture, vectors, n, &params, Some(&embedder));
            let derive_ms = started.elapsed().as_secs_f64() * 1e3;
            let report = eval::Report { table: verbose, errors: verbose && std::env::var_os("HT_ERRORS").is_some() };
            let score = eval::score(&out.scored, &out.assigned, report);
            let set = &out.set;
            if let Ok(gold) = std::env::var("HT_GOLD") {
                print_gold_units(fixture, vectors, n, &out, &gold.to_lowercase());
            }
            if verbose {
                print_centres(set);
            }
            let json_len = serde_json::to_string(set).map(|s| s.len()).unwrap_or(0);
            println!(
                "{}{}: macro F1 = {:.3}, rating error = {} (max {}), noise = {}/{NOISE_TOP}; {} topics, \
                 derive and assign {:.0} ms, set {:.1} KB",
                fixture.name,
                if n > 0 { format!(" (taught {n})") } else { String::new() },
                score.macro_f1(),
                score.rating_error().map_or("-".to_string(), |e| format!("{e:.3}")),
                fmt_opt(score.errs.iter().copied().fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))),
                score.noise,
                set.topics.len(),
                derive_ms,
                json_len as f64 / 1024.0,
            );
            pooled_f1.extend(score.f1s);
            pooled_err.extend(score.errs);
            pooled_noise.push(score.noise as f64);
        }
        println!(
            "{label}: macro F1 = {:.4}, rating error = {} (mean), noise = {:.1}/{NOISE_TOP}",
            mean(&pooled_f1),
            fmt_opt(mean_opt(&pooled_err)),
            mean(&pooled_noise)
        );
    }
}

/// `HT_GOLD=<topic>`: every scored response labelled with the gold topic or given the system topic
/// of that name (TP, FN or FP), with each of its units' four most similar topics: what
/// [`hearken_topics::TopicSet::assign`] decided from.
fn print_gold_units(fixture: &Fixture, vectors: &[ResponseVectors], teach: usize, out: &eval::Outcome, gold: &str) {
    let scored: Vec<usize> =
        if teach > 0 { eval::teach_split(fixture, teach).1 } else { (0..fixture.rows.len()).collect() };
    for (k, &i) in scored.iter().enumerate() {
        let row = &fixture.rows[i];
        let labelled = row.topics.iter().any(|t| t == gold);
        let given = out.assigned[k].iter().any(|t| t.to_lowercase() == gold);
        let kind = match (labelled, given) {
            (true, true) => "TP",
            (true, false) => "FN",
            (false, true) => "FP",
            (false, false) => continue,
        };
        println!("{kind} {} -> {:?} (labelled {:?})", row.text, out.assigned[k], row.topics);
        for sims in out.set.unit_similarities(&row.text, &vectors[i]) {
            let mut ranked: Vec<(f32, &str)> =
                sims.iter().zip(&out.set.topics).map(|(s, t)| (*s, t.name.as_str())).collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let best: Vec<String> = ranked.iter().take(4).map(|(s, name)| format!("{name} {s:.2}")).collect();
            println!("      {}", best.join(" | "));
        }
    }
}

/// Each topic's mentions and the later topics whose centres are close to its own.
fn print_centres(set: &hearken_topics::TopicSet) {
    for (i, a) in set.topics.iter().enumerate() {
        let near: Vec<String> = set.topics[i + 1..]
            .iter()
            .map(|b| (a.centre.iter().zip(&b.centre).map(|(x, y)| x * y).sum::<f32>(), &b.name))
            .filter(|(c, _)| *c > 0.4)
            .map(|(c, n)| format!("{n} {c:.2}"))
            .collect();
        println!("  {} ({} mentions), close to: {}", a.name, a.mentions, near.join(", "));
    }
}

/// The small surveys' precision bar: each theme's best topic, its recall, its share of the other
/// answers and its rating error, and how many themes pass.
fn print_themes(surveys: &[(Fixture, Vec<ResponseVectors>)], params: &Params, embedder: &Embedder) {
    let (mut passed, mut total) = (0, 0);
    for (fixture, vectors) in surveys {
        let out = eval::derive_and_assign(fixture, vectors, 0, params, Some(embedder));
        println!("{}: {:?}", fixture.name, out.set.names());
        if std::env::var_os("HT_CENTRES").is_some() {
            print_centres(&out.set);
        }
        if std::env::var_os("HT_SIMS").is_some() {
            print_theme_similarities(fixture, vectors, &out.set);
        }
        for t in eval::theme_scores(&out.scored, &out.set, &out.assigned) {
            println!(
                "  {} -> {:?}: recall {:.2}, others {:.2}, rating error {:.2}{}",
                t.theme,
                t.topic,
                t.recall,
                t.others,
                t.rating_error,
                if t.passes() { "" } else { "  FAIL" }
            );
            if !t.passes() && std::env::var_os("HT_ERRORS").is_some() {
                for ((r, a), v) in out.scored.rows.iter().zip(&out.assigned).zip(vectors) {
                    let about = r.topics.contains(&t.theme);
                    let has = a.contains(&t.topic);
                    if about != has {
                        println!("    {} {:?} -> {:?}", if about { "miss" } else { "leak" }, r.text, a);
                        for unit in out.set.unit_similarities(&r.text, v) {
                            println!("      {}", two_places(&unit));
                        }
                    }
                }
            }
            passed += usize::from(t.passes());
            total += 1;
        }
    }
    println!("themes passing: {passed}/{total}");
}

/// For each topic and theme, the similarities (best unit) of the theme's answers to the topic,
/// highest first: how far apart a topic's own answers and the others' stand.
fn print_theme_similarities(fixture: &Fixture, vectors: &[ResponseVectors], set: &hearken_topics::TopicSet) {
    for (t, topic) in set.topics.iter().enumerate() {
        for theme in &fixture.vocab {
            let mut best: Vec<f32> = fixture
                .rows
                .iter()
                .zip(vectors)
                .filter(|(r, _)| r.topics.contains(theme))
                .map(|(r, v)| set.unit_similarities(&r.text, v).iter().map(|u| u[t]).fold(0.0, f32::max))
                .collect();
            best.sort_by(|a, b| b.total_cmp(a));
            println!("  {} / {}: {}", topic.name, theme, two_places(&best));
        }
    }
}

fn two_places(values: &[f32]) -> String {
    values.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(" ")
}

/// Timing only: a derivation over the file's responses repeated k times (the unit cap applies),
/// then the re-assignment of all of them with the derived set.
fn time_scaled(
    fixture: &Fixture,
    vectors: &[ResponseVectors],
    k: usize,
    teach: usize,
    params: &Params,
    embedder: &Embedder,
) {
    let samples: Vec<Sample> = fixture
        .rows
        .iter()
        .zip(vectors)
        .map(|(r, v)| Sample { text: &r.text, rating: Some(r.rating), vectors: v })
        .collect();
    // Taught: the guides of `--teach N` (from the fixture as it is), over the repeated responses.
    let examples = if teach > 0 { eval::teach_split(fixture, teach).0 } else { Vec::new() };
    let guides: Vec<Guide> = examples
        .iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(name, rows)| Guide {
            name,
            examples: rows.iter().map(|&i| Sample { rating: None, ..samples[i] }).collect(),
        })
        .collect();
    let big: Vec<Sample> = samples.iter().cycle().take(samples.len() * k).copied().collect();
    let started = Instant::now();
    let set = derive_topics_with(&big, None, &Steering { guides: &guides, discover: true }, params, Some(embedder));
    let derive_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let assigned: usize = big.iter().map(|s| set.assign(s.text, s.vectors).len()).sum();
    eprintln!(
        "{}: derive on {} responses ({} guides): {:.0} ms, {} topics; re-assign all: {:.0} ms ({} assignments)",
        fixture.name,
        big.len(),
        guides.len(),
        derive_ms,
        set.topics.len(),
        started.elapsed().as_secs_f64() * 1e3,
        assigned
    );
}

/// Every response's vectors, from the cache when the texts are the same, else embedded (and the
/// time per response printed).
fn vectors_for(fx: &Fixture, e: &Embedder) -> Vec<ResponseVectors> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The clauses are part of the key: a change to the splitter changes what is embedded.
    for r in &fx.rows {
        (&r.id, &r.text, hearken_topics::split_clauses(&r.text)).hash(&mut h);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/topics-eval");
    let cache = dir.join(format!("{:016x}.bin", h.finish()));
    if let Ok(bytes) = std::fs::read(&cache) {
        if let Some(v) = decode(&bytes, fx.rows.len()) {
            return v;
        }
    }
    let started = Instant::now();
    let vectors: Vec<ResponseVectors> =
        fx.rows.iter().map(|r| e.response_vectors(&r.text).unwrap_or_else(|e| panic!("{e}"))).collect();
    eprintln!(
        "{}: embedded {} responses one by one in {:.1} ms each",
        fx.name,
        fx.rows.len(),
        started.elapsed().as_secs_f64() * 1e3 / fx.rows.len() as f64
    );
    let mut bytes = Vec::new();
    for v in &vectors {
        let b = v.to_bytes();
        bytes.extend_from_slice(&(b.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&b);
    }
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&cache, bytes);
    // Use what was stored, so cached and fresh runs see the same f16-rounded vectors.
    vectors.iter().map(|v| ResponseVectors::from_bytes(&v.to_bytes()).expect("round trip")).collect()
}

fn decode(mut bytes: &[u8], n: usize) -> Option<Vec<ResponseVectors>> {
    let mut out = Vec::with_capacity(n);
    while bytes.len() >= 4 {
        let len = u32::from_le_bytes(bytes[..4].try_into().ok()?) as usize;
        out.push(ResponseVectors::from_bytes(bytes.get(4..4 + len)?).ok()?);
        bytes = &bytes[4 + len..];
    }
    (out.len() == n).then_some(out)
}

/// Default parameters, each overridable by `HT_<FIELD>` (upper case) for tuning runs.
fn params_from_env() -> Params {
    let env: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("HT_")).collect();
    let f = |key: &str, default: f32| env.get(key).map_or(default, |v| v.parse().expect("a number"));
    let u = |key: &str, default: usize| env.get(key).map_or(default, |v| v.parse().expect("an integer"));
    let d = Params::default();
    Params {
        generic_max: f("HT_GENERIC_MAX", d.generic_max),
        centring: f("HT_CENTRING", d.centring),
        model_weight: f("HT_MODEL_WEIGHT", d.model_weight),
        cut_height: f("HT_CUT_HEIGHT", d.cut_height),
        auto_cut_range: (f("HT_CUT_LO", d.auto_cut_range.0), f("HT_CUT_HI", d.auto_cut_range.1)),
        min_responses: u("HT_MIN_RESPONSES", d.min_responses),
        min_share: f("HT_MIN_SHARE", d.min_share),
        max_topics: u("HT_MAX_TOPICS", d.max_topics),
        merge_similarity: f("HT_MERGE_SIMILARITY", d.merge_similarity),
        guide_cover: f("HT_GUIDE_COVER", d.guide_cover),
        assign_threshold: f("HT_ASSIGN_THRESHOLD", d.assign_threshold),
        guide_threshold: f("HT_GUIDE_THRESHOLD", d.guide_threshold),
        assign_margin: f("HT_ASSIGN_MARGIN", d.assign_margin),
        guide_whole_slack: f("HT_GUIDE_WHOLE_SLACK", d.guide_whole_slack),
        guide_name_terms: f("HT_GUIDE_NAME_TERMS", d.guide_name_terms),
        fallback_floor: f("HT_FALLBACK_FLOOR", d.fallback_floor),
        fallback_margin: f("HT_FALLBACK_MARGIN", d.fallback_margin),
        max_per_response: u("HT_MAX_PER_RESPONSE", d.max_per_response),
        max_units: u("HT_MAX_UNITS", d.max_units),
        topic_terms: u("HT_TOPIC_TERMS", d.topic_terms),
        rename_similarity: f("HT_RENAME_SIMILARITY", d.rename_similarity),
        refine_rounds: u("HT_REFINE_ROUNDS", d.refine_rounds),
        refine_min: f("HT_REFINE_MIN", d.refine_min),
        guide_soft_margin: f("HT_GUIDE_SOFT_MARGIN", d.guide_soft_margin),
        name_candidates: u("HT_NAME_CANDIDATES", d.name_candidates),
        name_keep_rank: u("HT_NAME_KEEP_RANK", d.name_keep_rank),
    }
}
