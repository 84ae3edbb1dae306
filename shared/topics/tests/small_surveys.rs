//! Assignment precision on small clean surveys (tests/surveys/*.jsonl, written for these tests:
//! two or three unrelated themes, some answers about two): each theme's topic — the derived topic
//! that best matches the theme — goes to at least 90% of the theme's answers and to at most 10%
//! of the others, and its average rating is within 0.3 of the theme's. Needs the model.

use std::path::Path;

use hearken_topics::eval::{self, Fixture};
use hearken_topics::{default_model_dir, derive_topics, Embedder, ResponseVectors, Sample};

/// Each theme's score with its best-matching topic, printed, for a survey embedded as responses
/// are (f16 round trip included) and derived with the default parameters.
fn assert_each_theme_has_its_topic(file: &str) {
    let embedder = Embedder::load(&default_model_dir()).expect("the model: run `infra/model.sh fetch`");
    let fx: Fixture = eval::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/surveys").join(file));
    let vectors: Vec<ResponseVectors> = fx
        .rows
        .iter()
        .map(|r| embedder.response_vectors(&r.text).expect("embedded"))
        .map(|v| ResponseVectors::from_bytes(&v.to_bytes()).expect("round trip"))
        .collect();
    let samples: Vec<Sample> = fx
        .rows
        .iter()
        .zip(&vectors)
        .map(|(r, v)| Sample { text: &r.text, rating: Some(r.rating), vectors: v })
        .collect();
    let set = derive_topics(&samples, Some(&embedder));
    let assigned: Vec<Vec<String>> = samples.iter().map(|s| set.assign(s.text, s.vectors)).collect();
    let scores = eval::theme_scores(&fx, &set, &assigned);
    assert_eq!(scores.len(), fx.vocab.len(), "{file}: a topic for every theme");
    for t in scores {
        println!(
            "{file}: {} -> {:?}: recall {:.2}, others {:.2}, rating error {:.2}",
            t.theme, t.topic, t.recall, t.others, t.rating_error
        );
        assert!(t.recall >= 0.9, "{file}: {}: recall {:.2}", t.theme, t.recall);
        assert!(t.others <= 0.1, "{file}: {}: given to {:.2} of the other answers", t.theme, t.others);
        assert!(t.rating_error <= 0.3, "{file}: {}: rating off by {:.2}", t.theme, t.rating_error);
    }
}

#[test]
fn crashes_pricing_and_onboarding_each_get_their_own_topic() {
    assert_each_theme_has_its_topic("crashes-pricing-onboarding.jsonl");
}

#[test]
fn slow_delivery_and_helpful_support_each_get_their_own_topic() {
    assert_each_theme_has_its_topic("delivery-and-support.jsonl");
}

#[test]
// The model puts "spotless" as near "room" (0.34) as "clean" (0.30), so "The room was spotless"
// and "Our room was immaculate" form a "room" cluster of their own at every cut height from 0.74
// to 0.80 (README, "Not met").
#[ignore = "not met: \"clean\" gets 82% of the cleanliness answers, a \"room\" topic the rest"]
fn hotel_cleanliness_breakfast_and_wifi_each_get_their_own_topic() {
    assert_each_theme_has_its_topic("hotel.jsonl");
}
