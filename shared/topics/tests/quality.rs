//! The quality bar of the topics issue, kept in CI: on each labelled fixture survey
//! (`../shared/fixtures/topics/`), topics derived and assigned exactly as the topics function does
//! score macro F1 ≥ 0.60 with noise ≤ 2/10, and the matched topics' average ratings are off by
//! 0.25 or less on average. (`make score-topics` measures the same through the whole stack.)
//! Needs the model (`infra/model.sh fetch`, which `make test` runs).

use hearken_topics::eval::{self, fmt_opt};
use hearken_topics::{default_model_dir, Embedder, Params, ResponseVectors};

#[test]
fn every_fixture_survey_clears_the_bar() {
    let dir = default_model_dir();
    let embedder = Embedder::load(&dir)
        .unwrap_or_else(|e| panic!("cannot load the model from {} ({e}): run `infra/model.sh fetch`", dir.display()));
    let files = eval::fixture_files();
    assert!(files.len() >= 2, "the labelled fixtures: {files:?}");
    let mut pooled = Vec::new();
    for path in &files {
        let fixture = eval::load(path);
        let vectors: Vec<ResponseVectors> = fixture
            .rows
            .iter()
            .map(|row| embedder.response_vectors(&row.text).expect("embedded"))
            // As stored: f16.
            .map(|v| ResponseVectors::from_bytes(&v.to_bytes()).expect("round trip"))
            .collect();
        let (_, assigned) = eval::derive_and_assign(&fixture, &vectors, &Params::default(), Some(&embedder));
        let score = eval::score(&fixture, &assigned, eval::Report::default());
        let line = format!(
            "{}: macro F1 {:.3}, noise {}/{}, rating error {}",
            fixture.name,
            score.macro_f1(),
            score.noise,
            eval::NOISE_TOP,
            fmt_opt(score.rating_error())
        );
        println!("{line}");
        assert!(score.macro_f1() >= 0.60, "below the bar: {line}");
        assert!(score.noise <= 2, "too noisy: {line}");
        assert!(score.rating_error().is_some_and(|e| e <= 0.25), "ratings off: {line}");
        pooled.extend(score.f1s);
    }
    println!("pooled macro F1 {:.3}", eval::mean(&pooled));
}
