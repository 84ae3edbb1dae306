//! Offline evaluation of topic discovery on labelled surveys (../shared/fixtures/topics/*.jsonl):
//! per file, derive the topics from the file's responses, assign every response, and score exactly
//! as ../shared/tools/score-topics does (best F1 per gold topic over the top 20 system topics,
//! macro F1, noise in the top 10, rating error for gold topics matched at F1 ≥ 0.5).
//!
//! ```sh
//! cargo run -p hearken-topics --release --bin topics-eval -- [-v] [FILE.jsonl ...]
//! ```
//!
//! Embeddings are cached in .cache/topics-eval/ (keyed by the texts), so re-runs only cluster.
//! Parameters can be overridden for tuning with `HT_<FIELD>` environment variables, e.g.
//! `HT_CUT_HEIGHT=0.6` (see `Params`); `HT_ERRORS=1` (with -v) lists each gold topic's misses
//! and false hits; `HT_SCALE=k` also times a derivation over the responses repeated k times.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use hearken_topics::{default_model_dir, derive_topics_with, Embedder, Params, ResponseVectors, Sample};

const TOPICS_LIMIT: usize = 20;
const NOISE_TOP: usize = 10;
const NOISE_F1: f64 = 0.3;
const MATCH_F1: f64 = 0.5;
const MIN_MENTIONS: usize = 5;

struct Row {
    id: String,
    rating: u8,
    text: String,
    topics: Vec<String>,
}

struct Fixture {
    name: String,
    vocab: Vec<String>,
    rows: Vec<Row>,
}

fn main() {
    let mut verbose = false;
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                println!("usage: topics-eval [-v] [FILE.jsonl ...]  (default: ../shared/fixtures/topics/*.jsonl)");
                return;
            }
            _ => files.push(arg.into()),
        }
    }
    if files.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/topics");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        found.sort();
        files = found;
    }
    let params = params_from_env();
    if verbose {
        eprintln!("{params:?}");
    }

    let mut embedder: Option<Embedder> = None;
    let mut pooled_f1 = Vec::new();
    let mut pooled_err = Vec::new();
    let mut pooled_noise = Vec::new();
    for path in &files {
        let fixture = load(path);
        let vectors = vectors_for(&fixture, &mut embedder);
        let samples: Vec<Sample> = fixture
            .rows
            .iter()
            .zip(&vectors)
            .map(|(r, v)| Sample { text: &r.text, rating: Some(r.rating), vectors: v })
            .collect();
        if let Some(k) = std::env::var("HT_SCALE").ok().and_then(|v| v.parse::<usize>().ok()) {
            // Timing only: the file's responses repeated k times (the unit cap applies).
            let big: Vec<Sample> = samples.iter().cycle().take(samples.len() * k).copied().collect();
            let started = Instant::now();
            let set = derive_topics_with(&big, None, &params);
            eprintln!(
                "{}: derive on {} responses: {:.0} ms, {} topics",
                fixture.name,
                big.len(),
                started.elapsed().as_secs_f64() * 1e3,
                set.topics.len()
            );
        }
        let started = Instant::now();
        let set = derive_topics_with(&samples, None, &params);
        let derive_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        let assigned: Vec<Vec<String>> = samples.iter().map(|s| set.assign(s.text, s.vectors)).collect();
        let assign_ms = started.elapsed().as_secs_f64() * 1e3;
        let score = score(&fixture, &assigned, verbose);
        if verbose {
            for (i, a) in set.topics.iter().enumerate() {
                let near: Vec<String> = set.topics[i + 1..]
                    .iter()
                    .map(|b| (a.centre.iter().zip(&b.centre).map(|(x, y)| x * y).sum::<f32>(), &b.name))
                    .filter(|(c, _)| *c > 0.5)
                    .map(|(c, n)| format!("{n} {c:.2}"))
                    .collect();
                println!("  {} ({} mentions), close to: {}", a.name, a.mentions, near.join(", "));
            }
        }
        let json_len = serde_json::to_string(&set).map(|s| s.len()).unwrap_or(0);
        println!(
            "{}: macro F1 = {:.3}, rating error = {} (max {}), noise = {}/{NOISE_TOP}; {} topics, derive {:.0} ms, \
             assign {:.2} ms/response, set {:.1} KB",
            fixture.name,
            mean(&score.f1s),
            fmt_opt(mean_opt(&score.errs)),
            fmt_opt(score.errs.iter().copied().fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))),
            score.noise,
            set.topics.len(),
            derive_ms,
            assign_ms / samples.len() as f64,
            json_len as f64 / 1024.0,
        );
        pooled_f1.extend(score.f1s);
        pooled_err.extend(score.errs);
        pooled_noise.push(score.noise as f64);
    }
    println!(
        "topics: macro F1 = {:.3}, rating error = {} (mean), noise = {:.1}/{NOISE_TOP}",
        mean(&pooled_f1),
        fmt_opt(mean_opt(&pooled_err)),
        mean(&pooled_noise)
    );
}

struct Score {
    f1s: Vec<f64>,
    errs: Vec<f64>,
    noise: usize,
}

/// The scorer's metric over one survey: `assigned[i]` are the system topics of response i.
fn score(fx: &Fixture, assigned: &[Vec<String>], verbose: bool) -> Score {
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
        if std::env::var_os("HT_ERRORS").is_some() {
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

fn load(path: &Path) -> Fixture {
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

/// Every response's vectors, from the cache when the texts are the same, else embedded (and the
/// time per response printed).
fn vectors_for(fx: &Fixture, embedder: &mut Option<Embedder>) -> Vec<ResponseVectors> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for r in &fx.rows {
        (&r.id, &r.text).hash(&mut h);
    }
    hearken_topics::split_clauses("cache key: clause splitter version").hash(&mut h);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/topics-eval");
    let cache = dir.join(format!("{:016x}.bin", h.finish()));
    if let Ok(bytes) = std::fs::read(&cache) {
        if let Some(v) = decode(&bytes, fx.rows.len()) {
            return v;
        }
    }
    if embedder.is_none() {
        let started = Instant::now();
        *embedder = Some(Embedder::load(&default_model_dir()).unwrap_or_else(|e| panic!("{e}")));
        eprintln!("model loaded in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    }
    let e = embedder.as_ref().expect("loaded");
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
        model_weight: f("HT_MODEL_WEIGHT", d.model_weight),
        cut_height: f("HT_CUT_HEIGHT", d.cut_height),
        auto_cut_range: (f("HT_CUT_LO", d.auto_cut_range.0), f("HT_CUT_HI", d.auto_cut_range.1)),
        min_responses: u("HT_MIN_RESPONSES", d.min_responses),
        min_share: f("HT_MIN_SHARE", d.min_share),
        max_topics: u("HT_MAX_TOPICS", d.max_topics),
        assign_threshold: f("HT_ASSIGN_THRESHOLD", d.assign_threshold),
        max_per_response: u("HT_MAX_PER_RESPONSE", d.max_per_response),
        max_units: u("HT_MAX_UNITS", d.max_units),
        topic_terms: u("HT_TOPIC_TERMS", d.topic_terms),
        rename_similarity: f("HT_RENAME_SIMILARITY", d.rename_similarity),
        refine_rounds: u("HT_REFINE_ROUNDS", d.refine_rounds),
        refine_min: f("HT_REFINE_MIN", d.refine_min),
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn mean_opt(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| mean(v))
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |x| format!("{x:.2}"))
}
