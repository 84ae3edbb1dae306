//! Tests with the real model. They need `infra/model.sh fetch` first (`make test` runs it), or
//! HEARKEN_MODEL_DIR pointing at a directory with the model.

use std::sync::OnceLock;

use hearken_topics::{default_model_dir, derive_topics, Embedder, ResponseVectors, Sample, TopicSet, DIMS};

fn embedder() -> &'static Embedder {
    static E: OnceLock<Embedder> = OnceLock::new();
    E.get_or_init(|| {
        let dir = default_model_dir();
        Embedder::load(&dir).unwrap_or_else(|e| {
            panic!(
                "cannot load the model from {} ({e}): run `infra/model.sh fetch` (or set HEARKEN_MODEL_DIR)",
                dir.display()
            )
        })
    })
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn embeddings_are_normalised_and_meaningful() {
    let v = embedder()
        .embed(&["the courier took ages to arrive", "delivery was really slow", "the app crashes at checkout", ""])
        .unwrap();
    assert_eq!(v.len(), 4);
    for x in &v {
        assert_eq!(x.len(), DIMS);
        assert!((cos(x, x) - 1.0).abs() < 1e-4);
    }
    assert!(cos(&v[0], &v[1]) > cos(&v[0], &v[2]) + 0.2, "paraphrases should be closer than unrelated texts");
}

#[test]
fn batching_does_not_change_embeddings() {
    let texts = ["short", "a much longer sentence so that the batch needs padding for the short one"];
    let batch = embedder().embed(&texts).unwrap();
    for (t, b) in texts.iter().zip(&batch) {
        let single = embedder().embed(&[t]).unwrap().remove(0);
        assert!(cos(&single, b) > 0.9999, "padding must be masked out of the mean");
    }
}

#[test]
fn response_vectors_mark_generic_answers() {
    let e = embedder();
    let generic = e.response_vectors("Great!").unwrap();
    let specific = e.response_vectors("The soup leaked all over the bag and the driver was rude.").unwrap();
    assert_eq!(generic.units.len(), 1);
    assert_eq!(specific.units.len(), 3, "whole text + two clauses");
    assert!(generic.units[0].generic > 0.8);
    assert!(specific.units.iter().all(|u| u.generic < 0.5));
    let bytes = specific.to_bytes();
    assert!(bytes.len() < 6 * 1024);
    assert_eq!(ResponseVectors::from_bytes(&bytes).unwrap().units.len(), 3);
}

#[test]
fn finds_and_assigns_topics_end_to_end() {
    let texts = [
        "delivery took forever, over an hour",
        "the driver was late again",
        "order arrived 40 minutes late",
        "so slow, waited ages for my food",
        "delivery time is way too long",
        "fees are too high",
        "the service fee is ridiculous",
        "too expensive with all these fees",
        "delivery fee doubled the price",
        "small order fee is a rip off",
        "Great!",
        "meh",
    ];
    let e = embedder();
    let vectors: Vec<ResponseVectors> = texts.iter().map(|t| e.response_vectors(t).unwrap()).collect();
    let samples: Vec<Sample> =
        texts.iter().zip(&vectors).map(|(t, v)| Sample { text: t, rating: Some(3), vectors: v }).collect();
    let set = derive_topics(&samples, Some(e));
    assert_eq!(set.topics.len(), 2, "{:?}", set.names());
    let late = set.assign(texts[1], &vectors[1]);
    let fees = set.assign(texts[6], &vectors[6]);
    assert_eq!(late.len(), 1);
    assert_eq!(fees.len(), 1);
    assert_ne!(late, fees);
    assert!(set.assign("Great!", &vectors[10]).is_empty());
    // New responses are assigned without re-deriving, and the set survives storage.
    let json = serde_json::to_string(&set).unwrap();
    let back: TopicSet = serde_json::from_str(&json).unwrap();
    let new = e.response_vectors("why is there a fee on every order").unwrap();
    assert!(back.assign("why is there a fee on every order", &new).contains(&fees[0]));
}
