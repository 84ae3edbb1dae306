//! The quality bar of the topics issues, kept in CI on each labelled fixture survey
//! (`../shared/fixtures/topics/`), derived and assigned exactly as the topics function does
//! (`make score-topics` measures the same through the whole stack). Discovered topics: macro F1
//! ≥ 0.685 on each and ≥ 0.715 pooled, noise 0/10, rating error ≤ 0.15 (the bar is 0.69
//! pooled; measured 0.691 / 0.752, pooled 0.721, error 0.139 / 0.121). Taught by 3 examples per
//! gold topic (`score-topics --teach 3`): the must, macro F1 ≥ 0.78 on each, rating error
//! ≤ 0.15, noise 0/10 (measured 0.785 / 0.799, error 0.09 / 0.12, noise 0 / 0; the food delivery
//! survey's "order accuracy" guide matches its gold topic at F1 0.30, just at the scorer's bar).
//! Needs the model (`infra/model.sh fetch`, which `make test` runs).

use std::sync::OnceLock;

use hearken_topics::eval::{self, fmt_opt, Fixture, Score};
use hearken_topics::{default_model_dir, Embedder, Params, ResponseVectors};

/// The model and every fixture with its responses' vectors as stored (f16).
type Surveys = (Embedder, Vec<(Fixture, Vec<ResponseVectors>)>);

/// [`Surveys`], computed once for every test of this file.
fn surveys() -> &'static Surveys {
    static S: OnceLock<Surveys> = OnceLock::new();
    S.get_or_init(|| {
        let dir = default_model_dir();
        let embedder = Embedder::load(&dir).unwrap_or_else(|e| {
            panic!("cannot load the model from {} ({e}): run `infra/model.sh fetch`", dir.display())
        });
        let files = eval::fixture_files();
        assert!(files.len() >= 2, "the labelled fixtures: {files:?}");
        let surveys = files
            .iter()
            .map(|path| {
                let fixture = eval::load(path);
                let texts: Vec<&str> = fixture.rows.iter().map(|r| r.text.as_str()).collect();
                let vectors = embedder
                    .response_vectors_batch(&texts)
                    .expect("embedded")
                    .iter()
                    .map(|v| ResponseVectors::from_bytes(&v.to_bytes()).expect("round trip"))
                    .collect();
                (fixture, vectors)
            })
            .collect();
        (embedder, surveys)
    })
}

/// Each survey's score with `teach` examples per gold topic (0: discovered only), printed.
fn scores(teach: usize) -> Vec<(String, Score)> {
    let (embedder, surveys) = surveys();
    surveys
        .iter()
        .map(|(fixture, vectors)| {
            let out = eval::derive_and_assign(fixture, vectors, teach, &Params::default(), Some(embedder));
            let score = eval::score(&out.scored, &out.assigned, eval::Report::default());
            let line = format!(
                "{} (taught {teach}): macro F1 {:.3}, noise {}/{}, rating error {}",
                fixture.name,
                score.macro_f1(),
                score.noise,
                eval::NOISE_TOP,
                fmt_opt(score.rating_error())
            );
            println!("{line}");
            (line, score)
        })
        .collect()
}

#[test]
fn every_fixture_survey_clears_the_bar() {
    let all = scores(0);
    for (line, score) in &all {
        assert!(score.macro_f1() >= 0.685, "below the bar: {line}");
        assert_eq!(score.noise, 0, "noisy: {line}");
        assert!(score.rating_error().is_some_and(|e| e <= 0.15), "ratings off: {line}");
    }
    let pooled: Vec<f64> = all.iter().flat_map(|(_, s)| s.f1s.iter().copied()).collect();
    assert!(eval::mean(&pooled) >= 0.715, "pooled macro F1 {:.4} below 0.715", eval::mean(&pooled));
}

#[test]
fn three_examples_per_topic_clear_the_taught_bar() {
    for (line, score) in scores(3) {
        assert!(score.macro_f1() >= 0.78, "below the bar: {line}");
        assert_eq!(score.noise, 0, "noisy: {line}");
        assert!(score.rating_error().is_some_and(|e| e <= 0.15), "ratings off: {line}");
    }
}
